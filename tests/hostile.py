"""Hostile and broken inputs, made in a few bytes by the tests themselves."""

from __future__ import annotations

import io
import random
import struct
import zlib

from PIL import Image

from devtools.huge import png_header  # noqa: F401  (the tests' hostile inputs, in one place)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def jpeg_header(width: int, height: int) -> bytes:
    """A tiny real JPEG whose frame header claims width x height."""
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(buf, "JPEG")
    data = bytearray(buf.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def gif_header(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("P", (1, 1)).save(buf, "GIF")
    data = bytearray(buf.getvalue())
    data[6:10] = struct.pack("<HH", width, height)  # the logical screen
    desc = data.index(b"\x2c")
    data[desc + 5 : desc + 9] = struct.pack("<HH", width, height)  # the first image descriptor
    return bytes(data)


def webp_canvas(width: int, height: int) -> bytes:
    """A valid animated WebP: two 8x8 frames on a width x height canvas."""
    frames = [Image.new("RGBA", (8, 8), (i * 90, 0, 0, 255)) for i in range(2)]
    buf = io.BytesIO()
    frames[0].save(buf, "WEBP", save_all=True, append_images=frames[1:], duration=100, lossless=True)
    data = bytearray(buf.getvalue())
    at = data.index(b"VP8X") + 12
    data[at : at + 6] = (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return bytes(data)


def tiff_header(width: int, height: int) -> bytes:
    """A minimal uncompressed grey TIFF that claims width x height and holds 16 bytes."""
    entries = [
        (256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
        (273, 4, 1, 8 + 2 + 12 * 9 + 4), (277, 3, 1, 1), (278, 4, 1, height), (279, 4, 1, 16),
    ]  # fmt: skip
    ifd = struct.pack("<H", len(entries)) + b"".join(struct.pack("<HHII", *e) for e in entries) + b"\0\0\0\0"
    return b"II*\x00" + struct.pack("<I", 8) + ifd + b"\x80" * 16


def many_frames_gif(frames: int) -> bytes:
    images = [Image.new("P", (1, 1), i % 2) for i in range(frames)]
    buf = io.BytesIO()
    images[0].save(buf, "GIF", save_all=True, append_images=images[1:], duration=20, optimize=False)
    return buf.getvalue()


def damaged(data: bytes, seed: int = 7) -> dict[str, bytes]:
    """Truncations and byte flips of a valid file."""
    rng = random.Random(seed)
    flipped = bytearray(data)
    for _ in range(max(4, len(data) // 200)):
        flipped[rng.randrange(len(data) // 4, len(data))] ^= 0xFF
    return {
        "half": data[: len(data) // 2],
        "header only": data[:100],
        "tail cut": data[:-10],
        "flipped bytes": bytes(flipped),
    }


def random_bytes(n: int, seed: int = 1) -> bytes:
    return random.Random(seed).randbytes(n)
