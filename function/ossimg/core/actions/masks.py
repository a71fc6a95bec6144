"""Antialiased shape masks, drawn at 4x and reduced, shared by circle and rounded-corners.

The 4x drawing is done a band of rows at a time, and only over the part of the shape that is
asked for: a mask costs its own size, never sixteen times it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PIL import Image, ImageChops

from ..pixels import strips

if TYPE_CHECKING:
    from PIL import ImageDraw

SUPERSAMPLE = 4
Box = tuple[int, int, int, int]


def with_mask(img: Image.Image, mask: Image.Image) -> Image.Image:
    """The image with `mask` as alpha (combined with any alpha it had); outside is transparent."""
    rgba = img.convert("RGBA")
    if "A" in img.getbands():
        mask = ImageChops.multiply(mask, rgba.getchannel("A"))
    rgba.putalpha(mask)
    return rgba


def with_masked_parts(img: Image.Image, parts: list[tuple[Box, Image.Image]]) -> Image.Image:
    """The image with alpha that is opaque but for `parts` (box, mask of that box), combined with
    any alpha it had. An RGBA image is changed in place; only the masked parts are touched."""
    rgba = img if img.mode == "RGBA" else img.convert("RGBA")
    for box, mask in parts:
        piece = rgba.crop(box)
        piece.putalpha(ImageChops.multiply(mask, piece.getchannel("A")))
        rgba.paste(piece, box[:2])
    return rgba


def ellipse_mask(size: tuple[int, int]) -> Image.Image:
    return drawn(size, (0, 0, *size), lambda draw, w, h: draw.ellipse((0, 0, w - 1, h - 1), fill=255))


def rounded_mask(size: tuple[int, int], radius: int, box: Box | None = None) -> Image.Image:
    """The mask of a `size` rounded rectangle, or of its part `box`."""
    return drawn(
        size,
        box or (0, 0, *size),
        lambda draw, w, h: draw.rounded_rectangle((0, 0, w - 1, h - 1), radius * SUPERSAMPLE, fill=255),
    )


def drawn(size: tuple[int, int], box: Box, paint: Callable[[_Shifted, int, int], None]) -> Image.Image:
    """The part `box` of the mask that `paint(draw, w, h)` draws over a 4x canvas of `size`."""
    from PIL import ImageDraw

    x0, y0, x1, y1 = box
    out = Image.new("L", (x1 - x0, y1 - y0), 0)
    band = strips.strip_rows(SUPERSAMPLE * (x1 - x0))  # a band's 4x canvas: one strip of memory
    for top in range(y0, y1, band):
        bottom = min(top + band, y1)
        canvas = Image.new("L", ((x1 - x0) * SUPERSAMPLE, (bottom - top) * SUPERSAMPLE), 0)
        draw = ImageDraw.Draw(canvas)
        shifted = _Shifted(draw, -x0 * SUPERSAMPLE, -top * SUPERSAMPLE)
        paint(shifted, size[0] * SUPERSAMPLE, size[1] * SUPERSAMPLE)
        out.paste(canvas.resize((x1 - x0, bottom - top), Image.Resampling.BOX), (0, top - y0))
    return out


class _Shifted:
    """An ImageDraw whose shapes are moved by (dx, dy): the canvas shows one window of the shape."""

    def __init__(self, draw: ImageDraw.ImageDraw, dx: int, dy: int):
        self.draw, self.dx, self.dy = draw, dx, dy

    def ellipse(self, xy: Box, **options: Any) -> None:
        self.draw.ellipse(self._moved(xy), **options)

    def rounded_rectangle(self, xy: Box, radius: float, **options: Any) -> None:
        self.draw.rounded_rectangle(self._moved(xy), radius, **options)

    def _moved(self, xy: Box) -> Box:
        x0, y0, x1, y1 = xy
        return x0 + self.dx, y0 + self.dy, x1 + self.dx, y1 + self.dy
