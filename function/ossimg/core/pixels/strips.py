"""Whole-image operations done a horizontal strip at a time, so a huge image never has a
second full-size copy beside it: the same pixels as the whole-image call, a fraction of the memory.

Pillow's resize premultiplies RGBA into a full copy and a mode conversion makes another; here
each strip is converted, premultiplied and reduced on its own, and filters write their result
back into the image they read, keeping the few rows of original context a strip's neighbours need.
With several workers (parallel), that many strips are made at once, each a worker's share of the
strip budget, so memory stays what one strip took.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator

from PIL import Image

from . import parallel

STRIP_BYTES = 16 << 20  # the strips' share of memory: small beside a decoded image, big enough to be fast
PARALLEL_MIN_PIXELS = 1 << 17  # below this much work, splitting an image among workers costs more than it saves
# Shrink by whole factors first (box), then LANCZOS over the last 2x or more (libvips's gap):
# within 50 dB of a full LANCZOS, twice as fast as a gap of 3.
REDUCING_GAP = 2.0
# Each filter's reach, in source pixels per output pixel.
SUPPORT = {Image.Resampling.LANCZOS: 3.0, Image.Resampling.BOX: 0.5}
PREMULTIPLIED = {"RGBA": "RGBa", "LA": "La"}

Normalise = Callable[[Image.Image], Image.Image]
Box = tuple[float, float, float, float]


def strip_rows(width: int, multiple: int = 1) -> int:
    """Rows per strip for an image `width` px wide (4 bytes a pixel), a multiple of `multiple`:
    each worker's share of the strip budget."""
    rows = max(1, STRIP_BYTES // (4 * max(1, width)) // parallel.workers())
    return max(multiple, rows // multiple * multiple)


def _split_rows(width: int, height: int, multiple: int = 1, work: int | None = None) -> int:
    """Rows per strip: strip_rows, or fewer so that every worker gets a strip of an image whose
    `work` (the pixels read; default: the image's own) is big enough to be worth splitting."""
    rows = strip_rows(width, multiple)
    workers = parallel.workers()
    if workers > 1 and (width * height if work is None else work) >= PARALLEL_MIN_PIXELS:
        share = -(-height // workers)
        rows = min(rows, max(multiple, -(-share // multiple) * multiple))
    return rows


def _in_waves(tops: list[int], work: Callable[[int], Image.Image]) -> Iterator[tuple[int, Image.Image]]:
    """(top, work(top)) in order, at most one strip per worker made at a time."""
    step = parallel.workers()
    for start in range(0, len(tops), step):
        wave = tops[start : start + step]
        yield from zip(wave, parallel.each(work, wave))


def _ready(piece: Image.Image, normalise: Normalise | None) -> Image.Image:
    """A strip in its working mode: normalised, and premultiplied when it has alpha."""
    if normalise:
        piece = normalise(piece)
    return piece.convert(PREMULTIPLIED[piece.mode]) if piece.mode in PREMULTIPLIED else piece


def resample(
    image: Image.Image,
    size: tuple[int, int],
    box: Box | None = None,
    normalise: Normalise | None = None,
    method: Image.Resampling = Image.Resampling.LANCZOS,
    reducing_gap: float = REDUCING_GAP,
) -> Image.Image:
    """`image` (the `box` of it) resized to `size` with Pillow's reducing gap, normalised by
    `normalise`: what `normalise(image).resize(size, method, box, reducing_gap)` gives, a strip at
    a time."""
    box = box or (0, 0, *image.size)
    if image.size == size and box == (0, 0, *image.size):
        return normalise(image) if normalise else image
    factor_x = int((box[2] - box[0]) / size[0] / reducing_gap) or 1
    factor_y = int((box[3] - box[1]) / size[1] / reducing_gap) or 1
    if factor_x > 1 or factor_y > 1:
        reduce_box = _safe_box(image.size, size, box, SUPPORT[method])
        image = _reduced(image, (factor_x, factor_y), reduce_box, normalise)
        box = (
            (box[0] - reduce_box[0]) / factor_x,
            (box[1] - reduce_box[1]) / factor_y,
            (box[2] - reduce_box[0]) / factor_x,
            (box[3] - reduce_box[1]) / factor_y,
        )
        normalise = None  # the reduced image is already normalised and premultiplied
    out = _resized(image, size, box, normalise, method)
    return out.convert({"RGBa": "RGBA", "La": "LA"}[out.mode]) if out.mode in ("RGBa", "La") else out


def _safe_box(
    image_size: tuple[int, int], size: tuple[int, int], box: Box, support: float
) -> tuple[int, int, int, int]:
    """The box grown by the filter's reach (as Pillow's resize does before reducing)."""
    support_x = (support - 0.5) * (box[2] - box[0]) / size[0]
    support_y = (support - 0.5) * (box[3] - box[1]) / size[1]
    return (
        max(0, int(box[0] - support_x)),
        max(0, int(box[1] - support_y)),
        min(image_size[0], math.ceil(box[2] + support_x)),
        min(image_size[1], math.ceil(box[3] + support_y)),
    )


def _reduced(
    image: Image.Image, factor: tuple[int, int], box: tuple[int, int, int, int], normalise: Normalise | None
) -> Image.Image:
    """Box-average by whole factors, a strip of rows (a multiple of the factor) at a time."""
    fx, fy = factor
    x0, y0, x1, y1 = box
    out_size = ((x1 - x0 + fx - 1) // fx, (y1 - y0 + fy - 1) // fy)
    step = _split_rows(x1 - x0, y1 - y0, fy)

    def reduced(top: int) -> Image.Image:
        return _ready(image.crop((x0, top, x1, min(top + step, y1))), normalise).reduce(factor)

    out = None
    for top, piece in _in_waves(list(range(y0, y1, step)), reduced):
        if out is None:
            out = Image.new(piece.mode, out_size, None)  # every row is pasted: no fill
        out.paste(piece, (0, (top - y0) // fy))
    assert out is not None, "a box has at least one row"
    return out


def _resized(
    image: Image.Image, size: tuple[int, int], box: Box, normalise: Normalise | None, method: Image.Resampling
) -> Image.Image:
    """`method` from `box` to `size`; on a big source, output rows are made a band at a time from
    just the source rows their filter reaches (the coefficients are the same as for the whole)."""
    rows_in = box[3] - box[1]
    scale = rows_in / size[1]
    if image.width * image.height * 4 <= 4 * STRIP_BYTES:
        ready = _ready(image, normalise)
        band = _split_rows(size[0], size[1], work=round((box[2] - box[0]) * (box[3] - box[1])))
        if band >= size[1]:
            return ready.resize(size, method, box)

        def banded(first: int) -> Image.Image:  # the same coefficients as the whole call's rows
            last = min(first + band, size[1])
            return ready.resize(
                (size[0], last - first), method, (box[0], box[1] + first * scale, box[2], box[1] + last * scale)
            )

        return _joined(size, _in_waves(list(range(0, size[1], band)), banded))
    reach = SUPPORT[method] * max(scale, 1.0) + 2  # the filter's reach in source rows, with slack
    reach_x = SUPPORT[method] * max((box[2] - box[0]) / size[0], 1.0) + 2
    left, right = max(0, math.floor(box[0] - reach_x)), min(image.width, math.ceil(box[2] + reach_x))
    band = max(1, int(strip_rows(right - left) / max(scale, 1.0)))

    def part(first: int) -> Image.Image:
        last = min(first + band, size[1])
        top = max(0, math.floor(box[1] + first * scale - reach))
        bottom = min(image.height, math.ceil(box[1] + last * scale + reach))
        piece = _ready(image.crop((left, top, right, bottom)), normalise)
        part_box = (box[0] - left, box[1] + first * scale - top, box[2] - left, box[1] + last * scale - top)
        return piece.resize((size[0], last - first), method, part_box)

    return _joined(size, _in_waves(list(range(0, size[1], band)), part))


def reduced(image: Image.Image, factor: int) -> Image.Image:
    """`image.reduce(factor)` (box averages), a strip at a time."""
    return _reduced(image, (factor, factor), (0, 0, *image.size), None)


def enlarged(small: Image.Image, size: tuple[int, int], factor: int, into: Image.Image | None = None) -> Image.Image:
    """`small` (a `factor` times reduction of an image of `size`) enlarged bilinearly back to
    `size`, pixel centres lined up with the reduction's boxes: written over `into` a strip at a
    time, or into a new image."""
    width, height = size
    step = _split_rows(width, height)

    def band(top: int) -> Image.Image:
        bottom = min(top + step, height)
        box = (0, top / factor, width / factor, bottom / factor)
        return small.resize((width, bottom - top), Image.Resampling.BILINEAR, box)

    bands = _in_waves(list(range(0, height, step)), band)
    if into is None:
        return _joined(size, bands)
    for top, piece in bands:
        into.paste(piece, (0, top))
    return into


def _joined(size: tuple[int, int], bands: Iterable[tuple[int, Image.Image]]) -> Image.Image:
    """One image of `size` from (first row, band) pairs."""
    out = None
    for first, band in bands:
        if out is None:
            out = Image.new(band.mode, size, None)  # every row is pasted: no fill
        out.paste(band, (0, first))
    assert out is not None, "an image has at least one band"
    return out


def converted(image: Image.Image, normalise: Normalise) -> Image.Image:
    """`normalise(image)`, made a strip at a time into the new image (the source stays whole)."""
    step = _split_rows(image.width, image.height)
    if image.height <= step:
        return normalise(image)

    def piece(top: int) -> Image.Image:
        return normalise(image.crop((0, top, image.width, min(top + step, image.height))))

    return _joined(image.size, _in_waves(list(range(0, image.height, step)), piece))


def gaussian_reach(sigma: float) -> int:
    """Rows a Gaussian-blurred pixel depends on: Pillow approximates the Gaussian by three box
    blurs, each about sqrt(4 sigma^2 + 1) wide; with slack."""
    return 3 * math.ceil(math.sqrt(4 * sigma * sigma + 1)) + 4


def filtered_in_place(image: Image.Image, operation: Callable[[Image.Image], Image.Image], reach: int) -> Image.Image:
    """`operation` (a neighbourhood filter that looks at most `reach` rows away) applied to `image`,
    whose rows are overwritten strip by strip; the original rows above each strip are kept aside."""
    width, height = image.size
    step = max(_split_rows(width, height), reach)
    if height <= step:
        return operation(image)
    tops = list(range(0, height, step))
    workers = parallel.workers()
    above = None  # original rows just above the wave, saved before the previous wave overwrote them
    for start in range(0, len(tops), workers):
        wave = tops[start : start + workers]
        pieces = []  # (piece with its context, where the strip starts in it, strip top, strip bottom)
        for top in wave:
            bottom = min(top + step, height)
            below = image.crop((0, top if top == wave[0] else max(0, top - reach), width, min(bottom + reach, height)))
            if top == wave[0]:
                piece, offset = (_stacked(above, below), above.height) if above is not None else (below, 0)
            else:
                piece, offset = below, top - max(0, top - reach)
            pieces.append((piece, offset, top, bottom))
        last_bottom = pieces[-1][3]
        above = image.crop((0, max(0, last_bottom - reach), width, last_bottom))
        done = parallel.each(lambda entry: operation(entry[0]), pieces)
        for (_, offset, top, bottom), result in zip(pieces, done):
            image.paste(result.crop((0, offset, width, offset + bottom - top)), (0, top))
    return image


def _stacked(upper: Image.Image, lower: Image.Image) -> Image.Image:
    both = Image.new(lower.mode, (lower.width, upper.height + lower.height), None)
    both.paste(upper, (0, 0))
    both.paste(lower, (0, upper.height))
    return both


def histogram(image: Image.Image, mode: str) -> list[int]:
    """`image.convert(mode).histogram()`, without the converted copy."""
    counts: list[int] = []
    step = strip_rows(image.width)
    for top in range(0, image.height, step):
        piece = image.crop((0, top, image.width, min(top + step, image.height))).convert(mode).histogram()
        counts = [a + b for a, b in zip(counts, piece)] if counts else piece
    return counts


def point_colours(image: Image.Image, table: list[int]) -> Image.Image:
    """The colour channels mapped through `table` (256 levels), in place; alpha is left alone."""
    bands = image.getbands()
    full = table * len(bands) if "A" not in bands else table * (len(bands) - 1) + list(range(256))
    return mapped_in_place(image, lambda piece: piece.point(full))


def mapped_in_place(image: Image.Image, operation: Callable[[Image.Image], Image.Image]) -> Image.Image:
    """A per-pixel `operation` (point tables, colour maps) written back into `image` strip by strip."""
    step = _split_rows(image.width, image.height)
    if image.height <= step:
        return operation(image)

    def mapped(top: int) -> Image.Image:
        return operation(image.crop((0, top, image.width, min(top + step, image.height))))

    for top, piece in _in_waves(list(range(0, image.height, step)), mapped):
        image.paste(piece, (0, top))
    return image
