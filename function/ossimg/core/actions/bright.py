"""bright,<-100..100>: an additive brightness shift; 0 leaves the image alone."""

from PIL import Image

from ..budget.costs import Cost
from ..pixels import strips
from .base import Action, Size
from .params import Int

STEP = 1.28  # levels per unit: +-100 moves every channel by +-128 levels


def shift_table(value: int) -> list[int]:
    offset = round(value * STEP)
    return [min(255, max(0, level + offset)) for level in range(256)]


def apply(img: Image.Image, a: dict, size: Size) -> Image.Image:
    if a["bright"] == 0:
        return img
    return strips.point_colours(img, shift_table(a["bright"]))


ACTION = Action(
    name="bright",
    value=Int("bright", -100, 100, ec="0040-00000246"),
    missing_ec="0040-00000245",
    apply=apply,
    cost=Cost(strips=2, ns_in=2),
)
