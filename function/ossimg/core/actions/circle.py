"""circle,r_<1..4096>: the disc of radius r around the centre, in a (2r+1)-px square.

A radius over half the shorter side becomes (shorter - 1) // 2 (OSS). Outside the disc is
transparent, or white in formats without alpha.
"""

from PIL import Image

from ..budget.costs import Cost
from ..budget.limits import Limits
from .base import Action, Size
from .masks import ellipse_mask, with_mask
from .params import Int


def radius(size: Size, r: int) -> int:
    shorter = min(size)
    return (shorter - 1) // 2 if 2 * r > shorter else r


def box(size: Size, a: dict) -> tuple[int, int, int, int]:
    r = radius(size, a["r"])
    left, top = size[0] // 2 - r, size[1] // 2 - r
    return left, top, left + 2 * r + 1, top + 2 * r + 1


def size(size: Size, a: dict, limits: Limits) -> Size:
    side = 2 * radius(size, a["r"]) + 1
    return side, side


def apply(square: Image.Image, a: dict, size: Size) -> Image.Image:
    return with_mask(square, ellipse_mask(square.size))  # the pipeline has cut out the square


ACTION = Action(
    name="circle",
    params=(Int("r", 1, 4096, ec="0040-00000233", required=True),),
    missing_ec="0040-00000233",
    size=size,
    region=box,
    apply=apply,
    cost=Cost(copies=1.75, adds_alpha=True, colours=True, ns_out=5),  # the square as RGBA, its mask, the combined alpha
)
