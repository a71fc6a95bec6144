"""8-bit PNG decoded by libpng with zlib-ng, inside libvips (the pyvips-binary wheel): twice as
fast as Pillow's decoder, which inflates with the system's plain zlib and unfilters a byte at a
time. Rows are read a band at a time, top to bottom, and only the columns of the region asked
for; with a target, each band is reduced by whole factors (premultiplied, as strips.resample
reduces) while the next band decodes on another worker, so the full-size image never exists.

libvips is imported with the first such PNG (never at cold start); palette, 16-bit, interlaced
and colour-keyed PNGs, or a deployment without the library, go to Pillow's plugin.
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING, Any, NamedTuple

from PIL import Image

from ..pixels import parallel, strips

if TYPE_CHECKING:
    from .decode import Probe

MODES = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}  # libvips bands -> Pillow mode
TAKEN = ("L", "LA", "RGB", "RGBA")  # 8-bit PNG colour types, as Pillow names them
EXACT_REGION = True  # the result is the box itself, at any origin (libwebp's snaps to even pixels)
BAND_BYTES = 1 << 20  # rows read at a time: small enough to overlap reading and reducing, big enough to cost no calls
LIBRARY_BYTES = 24 << 20  # libvips and its libraries, resident once loaded (measured: +14 MB RSS)
# libvips' reader frees row buffers that glibc keeps in fragmented heap (measured at 4,000 to
# 30,000 px wide: up to about 1,600 rows of the source's width, some 2.5 times the rows when few
# are read). A fixed mmap threshold would return them, but makes every decode 20-40 % slower.
HEAP_ROWS, HEAP_ROWS_MIN = 1700, 300
DECODE_NS = 20.0  # libpng and zlib-ng, a pixel of every row read (measured: 17 ns on a photo cutout)
REDUCE_NS = 3.0  # a band's premultiply, reduction and straight alpha again, a source pixel


def held_bytes(
    probe: Probe, box: tuple[int, int, int, int] | None = None, target: tuple[int, int] | None = None
) -> float:
    """What decoding `box` of `probe` (to `target`) holds beside the result: the library, the
    heap its rows leave behind, and the bands in flight (one read ahead, one reduced with its
    premultiplied copy)."""
    width, height = probe.size
    bands = len(probe.image.mode)
    x0, y0, x1, y1 = box or (0, 0, width, height)
    _, _, step = _bands(x1 - x0, y1 - y0, target)
    heap_rows = min(HEAP_ROWS, HEAP_ROWS_MIN + 2 * y1)
    return LIBRARY_BYTES + bands * width * heap_rows + 3 * 4 * (x1 - x0) * step


def read_ns(probe: Probe, box: tuple[int, int, int, int] | None = None) -> float:
    """Every row down to the box's bottom is inflated and unfiltered, whole; the box's part reduced."""
    width, height = probe.size
    x0, y0, x1, y1 = box or (0, 0, width, height)
    return DECODE_NS * width * y1 + REDUCE_NS * (x1 - x0) * (y1 - y0)


def _bands(width: int, height: int, target: tuple[int, int] | None) -> tuple[int, int, int]:
    """(fx, fy, rows a band) for a box of width x height reduced towards `target`: whole factors
    that leave at least REDUCING_GAP times the target, fy rows within a strip, bands of whole fy."""
    fx = max(1, int(width / target[0] / strips.REDUCING_GAP)) if target else 1
    fy = max(1, int(height / target[1] / strips.REDUCING_GAP)) if target else 1
    fy = min(fy, max(1, strips.STRIP_BYTES // (4 * width)))
    return fx, fy, max(fy, BAND_BYTES // (4 * width) // fy * fy)


@functools.cache
def _vips() -> Any:  # the pyvips module, or None
    try:
        import pyvips
    except (ImportError, OSError):  # not installed, or its library cannot load here
        return None
    pyvips.cache_set_max(0)  # nothing kept between requests: an image we read is freed with it
    pyvips.cache_set_max_mem(0)
    pyvips.cache_set_max_files(0)
    return pyvips


def available() -> bool:
    return _vips() is not None


def holds_whole(data: bytes) -> bool:
    return False


def handles(probe: Probe) -> bool:
    """8-bit greyscale or truecolour, with or without alpha, rows stored top to bottom. (Pillow
    names a 16-bit file's raw mode apart, e.g. "RGB;16B"; a colour key is `transparency`.)"""
    image = probe.image
    tile = image.tile
    return (
        image.mode in TAKEN
        and len(tile) == 1
        and tile[0].args == image.mode
        and not image.info.get("interlace")
        and "transparency" not in image.info
    )


class Decoded(NamedTuple):
    image: Image.Image
    box: tuple[float, float, float, float]  # the region asked for, in the decoded image's pixels


def decode(data: bytes, box: tuple[int, int, int, int] | None = None, target: tuple[int, int] | None = None) -> Decoded:
    """The PNG in `data`, cut to `box` (whole image: None) and, with `target`, box-reduced by the
    whole factors that leave at least REDUCING_GAP times the target for LANCZOS to finish."""
    vips = _vips()
    if vips is None:
        raise ValueError("libvips is not available")
    try:
        source = vips.Image.new_from_buffer(data, "", access="sequential", fail_on="truncated")
        mode = MODES[source.bands]
        x0, y0, x1, y1 = box or (0, 0, source.width, source.height)
        width = x1 - x0
        fx, fy, step = _bands(width, y1 - y0, target)
        region = vips.Region.new(source)
        tops = list(range(y0, y1, step))

        def read(top: int) -> Image.Image:
            rows = min(step, y1 - top)
            return _image(mode, (width, rows), region.fetch(x0, top, width, rows))

        out = Image.new(mode, (math.ceil(width / fx), math.ceil((y1 - y0) / fy)), None)  # every row is pasted
        for top, piece in zip(tops, parallel.ahead(read, tops)):
            if fx > 1 or fy > 1:
                piece = _reduced(piece, (fx, fy))
            out.paste(piece, (0, (top - y0) // fy))
    except vips.Error as exc:
        raise ValueError(f"libvips could not decode the PNG: {exc}") from None
    return Decoded(out, (0, 0, width / fx, (y1 - y0) / fy))


def _image(mode: str, size: tuple[int, int], pixels: bytes) -> Image.Image:
    """A band of libvips' rows as an image: shared, not copied, where Pillow's layout is the same
    (L, RGBA); RGB and LA are unpacked into Pillow's 4 bytes a pixel."""
    if mode in ("L", "RGBA"):
        return Image.frombuffer(mode, size, pixels, "raw", mode, 0, 1)
    return Image.frombytes(mode, size, pixels)


def _reduced(piece: Image.Image, factor: tuple[int, int]) -> Image.Image:
    """Box-averaged by `factor`, colours weighted by their alpha (premultiplied, as the resample's
    own reduction is), back to straight alpha."""
    premultiplied = strips.PREMULTIPLIED.get(piece.mode)
    if premultiplied is None:
        return piece.reduce(factor)
    return piece.convert(premultiplied).reduce(factor).convert(piece.mode)
