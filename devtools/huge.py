"""Huge-dimension, small-file sources, written as streams (never held in memory as pixels).

Each writer produces a real, decodable file of any size OSS accepts: a 250 MP image in a few
MB, for the memory tests that run the handler in a child process. The pictures are simple
(stripes, gradients, flat colour) because what is measured is memory and time, not looks.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header(width: int, height: int, padding: int = 0) -> bytes:
    """A PNG that declares width x height and carries almost no data (a decompression bomb's
    shape), with `padding` bytes of IDAT after it, never decoded, to give it a size."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 64) + bytes(padding)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", pixels) + _chunk(b"IEND", b"")


def png(path: Path, width: int, height: int, mode: str = "RGB") -> Path:
    """8-bit RGB/RGBA/L/P or 16-bit grey ("I;16") PNG: one gradient row repeated (filter Up)."""
    colour, depth, channels = {"RGB": (2, 8, 3), "RGBA": (6, 8, 4), "L": (0, 8, 1), "P": (3, 8, 1), "I;16": (0, 16, 2)}[
        mode
    ]
    row = bytes((x * 7 + c * 50) % 256 for x in range(width) for c in range(channels))
    repeat = b"\x02" + bytes(len(row))  # Up filter, no change: every row equals the first
    with path.open("wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n")
        out.write(_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)))
        if mode == "P":
            out.write(_chunk(b"PLTE", bytes(range(256)) * 3))
        packer = zlib.compressobj(6)
        pending = [packer.compress(b"\x00" + row)]
        for _ in range(height - 1):
            pending.append(packer.compress(repeat))
            if sum(map(len, pending)) > 1 << 20:
                out.write(_chunk(b"IDAT", b"".join(pending)))
                pending = []
        pending.append(packer.flush())
        out.write(_chunk(b"IDAT", b"".join(pending)))
        out.write(_chunk(b"IEND", b""))
    return path


def _segment(marker: int, data: bytes) -> bytes:
    return struct.pack(">HH", 0xFF00 | marker, len(data) + 2) + data


_ONE_SYMBOL = bytes([1] + [0] * 15) + b"\x00"  # one code of length 1, for symbol 0
_GREY_TABLES = _segment(0xDB, b"\x00" + bytes([1] * 64)) + _segment(0xC4, b"\x00" + _ONE_SYMBOL + b"\x10" + _ONE_SYMBOL)


def _grey_frame(width: int, height: int) -> bytes:
    """SOF and SOS of a baseline YCbCr 4:4:4 JPEG (the tables apart)."""
    frame = _segment(0xC0, struct.pack(">BHHB", 8, height, width, 3) + b"\x01\x11\x00\x02\x11\x00\x03\x11\x00")
    return frame + _segment(0xDA, b"\x03\x01\x00\x02\x00\x03\x00\x00\x3f\x00")


def _grey_scan(width: int, height: int):
    """The scan of a flat grey picture: with one-symbol Huffman tables every block is two zero
    bits (DC difference 0, then end of block), so it is zero bytes, written a MB at a time."""
    zero_bytes, rest = divmod(((width + 7) // 8) * ((height + 7) // 8) * 3 * 2, 8)
    block = bytes(1 << 20)
    for _ in range(zero_bytes >> 20):
        yield block
    yield bytes(zero_bytes & ((1 << 20) - 1))
    if rest:
        yield bytes([(1 << (8 - rest)) - 1])  # the last byte padded with one bits


def jpeg(path: Path, width: int, height: int) -> Path:
    """A baseline YCbCr 4:4:4 JPEG of flat grey whose scan is zero bytes."""
    with path.open("wb") as out:
        out.write(b"\xff\xd8" + _GREY_TABLES + _grey_frame(width, height))
        for chunk in _grey_scan(width, height):
            out.write(chunk)
        out.write(b"\xff\xd9")
    return path


def jpeg_tiff(path: Path, width: int, height: int, rows_per_strip: int = 64) -> Path:
    """A JPEG-compressed TIFF of flat grey: the tables in JPEGTables, every full strip the same
    abbreviated stream (stored once, pointed at by every strip), then the shorter last one."""

    def strip(rows: int) -> bytes:
        return b"\xff\xd8" + _grey_frame(width, rows) + b"".join(_grey_scan(width, rows)) + b"\xff\xd9"

    strips = -(-height // rows_per_strip)
    full, last = strip(rows_per_strip), strip(height - rows_per_strip * (strips - 1))
    tables = b"\xff\xd8" + _GREY_TABLES + b"\xff\xd9"
    full_at, last_at = 8, 8 + len(full)
    tables_at = last_at + len(last)
    offsets_at = tables_at + len(tables)
    counts_at = offsets_at + 4 * strips
    bits_at = counts_at + 4 * strips
    entries = [
        (256, 4, 1, width),
        (257, 4, 1, height),
        (258, 3, 3, bits_at),
        (259, 3, 1, 7),  # JPEG
        (262, 3, 1, 6),  # YCbCr
        (273, 4, strips, offsets_at),
        (277, 3, 1, 3),
        (278, 4, 1, rows_per_strip),
        (279, 4, strips, counts_at),
        (284, 3, 1, 1),
        (347, 7, len(tables), tables_at),  # JPEGTables (UNDEFINED bytes)
    ]
    offsets = struct.pack(f"<{strips}I", *([full_at] * (strips - 1) + [last_at]))
    counts = struct.pack(f"<{strips}I", *([len(full)] * (strips - 1) + [len(last)]))
    return _write_tiff(path, entries, full + last + tables, offsets + counts, struct.pack("<3H", 8, 8, 8))


def gif(path: Path, width: int, height: int, frames: int = 1) -> Path:
    """A GIF of flat colour. LZW codes stay 9 bits: the run of one index is coded as strings of
    length 1, 2, 3 ... 250 and the table is cleared before it would widen."""
    pixels = width * height
    codes: list[int] = []
    left = pixels
    while left:
        codes.append(256)  # clear
        length = 1
        while left and length <= 250:
            take = min(length, left)
            codes.append(0 if take == 1 else 256 + take)  # string 'a'*take is entry 256 + take
            left -= take
            length += 1
    codes.append(257)  # end of information
    data = bytearray()
    acc = nbits = 0
    for code in codes:
        acc |= code << nbits
        nbits += 9
        while nbits >= 8:
            data.append(acc & 0xFF)
            acc >>= 8
            nbits -= 8
    if nbits:
        data.append(acc)
    blocks = b"".join(bytes([len(data[i : i + 255])]) + data[i : i + 255] for i in range(0, len(data), 255))
    image = b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0) + b"\x08" + blocks + b"\x00"
    with path.open("wb") as out:
        out.write(b"GIF89a" + struct.pack("<HHBBB", width, height, 0xF7, 0, 0))
        out.write(bytes(c for i in range(256) for c in (i, 255 - i, (i * 3) % 256)))
        if frames > 1:
            out.write(b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00")
        for _ in range(frames):
            out.write(b"\x21\xf9\x04\x00\x0a\x00\x00\x00")  # 100 ms, no transparency
            out.write(image)
        out.write(b"\x3b")
    return path


def bmp(path: Path, width: int, height: int) -> Path:
    """An 8-bit run-length-encoded (RLE8) BMP: 2 bytes per 255 pixels."""
    runs = b"".join(bytes([min(255, width - x), (x // 255) % 256]) for x in range(0, width, 255))
    row = runs + b"\x00\x00"
    bitmap = row * height + b"\x00\x01"
    palette = bytes(c for i in range(256) for c in (i, (i * 5) % 256, 255 - i, 0))
    offset = 14 + 40 + len(palette)
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 8, 1, len(bitmap), 2835, 2835, 256, 0)
    with path.open("wb") as out:
        out.write(b"BM" + struct.pack("<IHHI", offset + len(bitmap), 0, 0, offset) + info + palette)
        out.write(bitmap)
    return path


def tiff(path: Path, width: int, height: int, mode: str = "RGB") -> Path:
    """A deflate-compressed, stripped TIFF (RGB or RGBA) whose strips all share one compressed block."""
    channels = len(mode)
    rows_per_strip = max(1, (1 << 20) // (width * channels))
    row = bytes((x * 7 + c * 50) % 256 for x in range(width) for c in range(channels))
    strip = zlib.compress(row * rows_per_strip, 6)
    last_rows = height - rows_per_strip * ((height - 1) // rows_per_strip)
    last = zlib.compress(row * last_rows, 6)
    strips = (height + rows_per_strip - 1) // rows_per_strip
    header = 8
    data_at = header
    last_at = data_at + len(strip)
    arrays_at = last_at + len(last)
    offsets = [data_at] * (strips - 1) + [last_at]
    counts = [len(strip)] * (strips - 1) + [len(last)]
    offsets_at = arrays_at
    counts_at = offsets_at + 4 * strips
    bits_at = counts_at + 4 * strips
    entries = [
        (256, 4, 1, width),
        (257, 4, 1, height),
        (258, 3, channels, bits_at),
        (259, 3, 1, 8),  # Adobe deflate
        (262, 3, 1, 2),  # RGB
        (273, 4, strips, offsets_at if strips > 1 else data_at),
        (277, 3, 1, channels),
        (278, 4, 1, rows_per_strip),
        (279, 4, strips, counts_at if strips > 1 else len(strip)),
        (284, 3, 1, 1),
    ]
    if channels == 4:
        entries.append((338, 3, 1, 2))  # unassociated alpha
    arrays = struct.pack(f"<{strips}I", *offsets) + struct.pack(f"<{strips}I", *counts)
    return _write_tiff(path, entries, strip + last, arrays, struct.pack(f"<{channels}H", *([8] * channels)))


def _write_tiff(path: Path, entries: list, *parts: bytes) -> Path:
    """A little-endian TIFF: the header, `parts` in order (their offsets already in `entries`),
    then the one IFD. Entries are (tag, type, count, value): one SHORT (3) or LONG (4) inline, or
    the offset of an array."""
    ifd = struct.pack("<H", len(entries))
    for tag, kind, count, value in sorted(entries):
        inline = struct.pack("<HH", value, 0) if kind == 3 and count == 1 else struct.pack("<I", value)
        ifd += struct.pack("<HHI", tag, kind, count) + inline
    ifd += struct.pack("<I", 0)
    with path.open("wb") as out:
        out.write(b"II*\x00" + struct.pack("<I", 8 + sum(len(part) for part in parts)))
        for part in parts:
            out.write(part)
        out.write(ifd)
    return path


class _Bits:
    def __init__(self):
        self.value = self.count = 0

    def put(self, value: int, nbits: int) -> None:
        self.value |= value << self.count
        self.count += nbits

    def bytes(self) -> bytes:
        return self.value.to_bytes((self.count + 7) // 8, "little")


def webp(path: Path, width: int, height: int, alpha: bool = False) -> Path:
    """A lossless (VP8L) WebP of one colour: every prefix code has a single symbol, so each pixel
    takes zero bits and the whole bitstream is a dozen bytes."""
    bits = _Bits()
    bits.put(0x2F, 8)
    bits.put(width - 1, 14)
    bits.put(height - 1, 14)
    bits.put(int(alpha), 1)
    bits.put(0, 3)  # version
    bits.put(0, 1)  # no transform
    bits.put(0, 1)  # no colour cache
    bits.put(0, 1)  # one prefix-code group
    for symbol in (90, 160, 40, 200 if alpha else 255, 0):  # green, red, blue, alpha, distance
        bits.put(1, 1)  # simple code
        bits.put(0, 1)  # one symbol
        bits.put(1, 1)  # an 8-bit symbol
        bits.put(symbol, 8)
    payload = bits.bytes()
    payload += b"\x00" * (len(payload) % 2)
    chunk = b"VP8L" + struct.pack("<I", len(bits.bytes())) + payload
    path.write_bytes(b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk)
    return path
