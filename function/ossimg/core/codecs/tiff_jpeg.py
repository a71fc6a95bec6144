"""A JPEG-compressed TIFF decoded as the JPEG it holds. Such a file is one baseline JPEG cut into
strips, each an abbreviated JPEG stream sharing the file's tables: joined back into one stream,
with a restart marker where each strip began (restart markers reset the decoder's state exactly
as a new strip does), it decodes through the JPEG path, so a TIFF gets DCT scaling and stops
below a crop like a JPEG. libtiff, through Pillow, decodes every pixel of every strip.

Only the layout this is exact for is taken (chunky 8-bit three-sample strips, baseline, strips a
whole number of MCU rows, upright); anything else is left to Pillow's TIFF reader.
"""

from __future__ import annotations

import functools
import re
import struct
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from PIL import Image

    from .decode import Probe

LIKE_JPEG = True  # the cost model estimates it as a JPEG decode
SOI, EOI, SOS, DRI, DQT, DHT = b"\xff\xd8", b"\xff\xd9", 0xDA, 0xDD, 0xDB, 0xC4
BASELINE_SOF = (0xC0, 0xC1)
RESTART = re.compile(rb"\xff[\xd0-\xd7]")


def available() -> bool:
    return True


def holds_whole(data: bytes) -> bool:
    return False


def handles(probe: Probe) -> bool:
    """Whether `probe`'s file is a TIFF this decoder reads exactly (and its strips join)."""
    tags = getattr(probe.image, "tag_v2", None)
    if tags is None or tags.get(259) != 7 or tags.get(322) is not None:  # JPEG, not tiled
        return False
    if tags.get(284, 1) != 1 or tags.get(277) != 3 or tuple(tags.get(258, ())) != (8, 8, 8):
        return False
    if tags.get(274, 1) != 1 or tags.get(262) not in (2, 6):  # upright; RGB or YCbCr
        return False
    return joined(probe.data) is not None


def decode(data: bytes, box: tuple[int, int, int, int] | None = None, target: tuple[int, int] | None = None) -> Decoded:
    """The image (region `box`, at no less than `target`) through the JPEG path."""
    from .decode import decode_region, probe  # the decoder of the JPEG inside: imported when first used

    stream = joined(data)
    joined.cache_clear()  # decoded: neither the stream nor the file is kept past the request
    if stream is None:
        raise ValueError("not a JPEG TIFF this decoder reads")
    image, where = decode_region(probe(stream), box, target)
    return Decoded(image, where)


class Decoded(NamedTuple):
    image: Image.Image
    box: tuple[float, float, float, float] | None  # the region asked for, in the decoded image's pixels


@functools.lru_cache(maxsize=1)
def joined(data: bytes) -> bytes | None:
    """One baseline JPEG stream from the TIFF's strips, or None when they do not join exactly."""
    from io import BytesIO

    from PIL import Image, TiffImagePlugin

    try:
        tiff = Image.open(BytesIO(data))
        if not isinstance(tiff, TiffImagePlugin.TiffImageFile):
            return None
        tags = tiff.tag_v2
        width, height = tiff.size
        offsets, counts = tags[273], tags[279]
        rows_per_strip = min(int(tags.get(278, height)), height)
        tables = bytes(tags.get(347, b""))
        whole = memoryview(data)  # strips and scans are views: the joined stream is the one copy
        strips = [whole[offset : offset + count] for offset, count in zip(offsets, counts)]
    except Exception:  # a header Pillow reads but this layout does not have
        return None
    if len(strips) != -(-height // rows_per_strip) or not strips:
        return None
    parts = [part for part in map(_parts, strips) if part is not None]
    if len(parts) != len(strips):
        return None
    header, sof, sos, _ = parts[0]
    mcu_width, mcu_height = _mcu(sof)
    if mcu_width is None or (len(strips) > 1 and rows_per_strip % mcu_height):
        return None
    interval = -(-width // mcu_width) * (rows_per_strip // mcu_height)
    if len(strips) > 1 and not 0 < interval <= 0xFFFF:
        return None
    for _, other_sof, other_sos, _ in parts[1:]:
        if other_sof[:5] + other_sof[7:] != sof[:5] + sof[7:] or other_sos != sos:
            return None
    full_sof = sof[:5] + struct.pack(">H", height) + sof[7:]
    out: list[bytes | memoryview] = [SOI, _inner(tables), header, full_sof]
    if len(strips) > 1:
        out.append(b"\xff\xdd\x00\x04" + struct.pack(">H", interval))
    out.append(sos)
    for index, (_, _, _, scan) in enumerate(parts):
        if index:
            out.append(bytes((0xFF, 0xD0 + (index - 1) % 8)))  # RST0..RST7, in turn
        out.append(scan)
    out.append(EOI)
    return b"".join(out)


def _inner(tables: bytes) -> bytes:
    """The table segments of a tables-only stream (SOI ... EOI), without its SOI and EOI."""
    if not tables:
        return b""
    if tables[:2] != SOI or tables[-2:] != EOI:
        raise ValueError("JPEGTables is not a tables-only JPEG stream")
    return tables[2:-2]


def _parts(strip: memoryview) -> tuple[bytes, bytes, bytes, memoryview] | None:
    """(segments before SOF other than SOI, SOF, SOS header, entropy-coded data) of one strip, or
    None if it is not a plain baseline stream (its own restart markers, progressive...)."""
    if strip[:2] != SOI or strip[-2:] != EOI:
        return None
    header: list[memoryview] = []
    sof: bytes | None = None
    position = 2
    while position + 4 <= len(strip):
        if strip[position] != 0xFF:
            return None
        marker = strip[position + 1]
        length = struct.unpack(">H", strip[position + 2 : position + 4])[0]
        segment = strip[position : position + 2 + length]
        if marker == SOS:
            scan = strip[position + 2 + length : -2]
            if sof is None or RESTART.search(scan):
                return None
            return b"".join(header), sof, bytes(segment), scan
        if marker in BASELINE_SOF:
            sof = bytes(segment)
        elif marker == DRI or 0xC2 <= marker <= 0xCF and marker not in (DHT, 0xC8, 0xCC):
            return None  # its own restart interval, or a progressive / lossless / arithmetic frame
        else:
            header.append(segment)  # tables, APPn (an Adobe marker says RGB or YCbCr)
        position += 2 + length
    return None


def _mcu(sof: bytes) -> tuple[int | None, int]:
    """The MCU's width and height in pixels, from the frame's sampling factors."""
    count = sof[9] if len(sof) > 9 else 0
    if count != 3 or len(sof) < 10 + 3 * count:
        return None, 0
    factors = [sof[11 + 3 * i] for i in range(count)]
    return 8 * max(f >> 4 for f in factors), 8 * max(f & 15 for f in factors)
