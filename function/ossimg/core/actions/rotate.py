"""rotate,<0-360>: clockwise; other angles than right angles enlarge the canvas."""

from __future__ import annotations

import math

from PIL import Image

from ..budget.costs import Cost
from ..budget.limits import Limits
from .base import Action, Size
from .params import Int

Box = tuple[float, float, float, float]

_RIGHT_ANGLES = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_90}


def rotated_size(size: Size, degrees: int) -> Size:
    """Bounding box of the rotated image, computed as Pillow's rotate(expand=True) does."""
    degrees %= 360
    w, h = size
    if degrees in (0, 180):
        return size
    if degrees in (90, 270):
        return h, w
    rad = -math.radians(-degrees)
    c, s = round(math.cos(rad), 15), round(math.sin(rad), 15)
    xs = [c * (x - w / 2) + s * (y - h / 2) + w / 2 for x, y in ((0, 0), (w, 0), (w, h), (0, h))]
    ys = [-s * (x - w / 2) + c * (y - h / 2) + h / 2 for x, y in ((0, 0), (w, 0), (w, h), (0, h))]
    return math.ceil(max(xs)) - math.floor(min(xs)), math.ceil(max(ys)) - math.floor(min(ys))


def moved_box(box: Box, a: dict, size_in: Size, size_out: Size) -> Box:
    """The bounding box of `box`'s corners turned clockwise about the centre, in the new canvas."""
    rad = math.radians(a["rotate"] % 360)
    c, s = round(math.cos(rad), 15), round(math.sin(rad), 15)
    (cx, cy), (ox, oy) = (size_in[0] / 2, size_in[1] / 2), (size_out[0] / 2, size_out[1] / 2)
    corners = [(x - cx, y - cy) for x in (box[0], box[2]) for y in (box[1], box[3])]
    xs = [c * x - s * y + ox for x, y in corners]
    ys = [s * x + c * y + oy for x, y in corners]
    return min(xs), min(ys), max(xs), max(ys)


def size(size: Size, a: dict, limits: Limits) -> Size:
    if a["rotate"] % 360:
        limits.check_rotation(size)
    return rotated_size(size, a["rotate"])


def apply(img: Image.Image, a: dict, size: Size) -> Image.Image:
    degrees = a["rotate"] % 360
    if degrees == 0:
        return img
    if degrees in _RIGHT_ANGLES:
        return img.transpose(_RIGHT_ANGLES[degrees])
    # New corners: white, or transparent where the image has alpha.
    if img.mode not in ("RGB", "RGBA"):
        img = img.convert("RGBA" if "A" in img.getbands() else "RGB")
    fill = (255, 255, 255, 0) if img.mode == "RGBA" else (255, 255, 255)
    return img.rotate(-degrees, Image.Resampling.BICUBIC, expand=True, fillcolor=fill)


ACTION = Action(
    name="rotate",
    value=Int("rotate", 0, 360, ec="0040-00000217"),
    missing_ec="0040-00000216",  # a bare `rotate` names no angle
    size=size,
    apply=apply,
    moves_box=moved_box,
    cost=Cost(copies=1, ns_out=70),  # arbitrary angles: bicubic into a new canvas
)
