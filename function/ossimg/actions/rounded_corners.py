"""rounded-corners,r_<1..4096>: round the corners; a radius over half the shorter side is reduced to it."""

from PIL import Image

from ..params import Int
from .base import Action
from .masks import rounded_mask, with_mask


def apply(img: Image.Image, a: dict, size) -> Image.Image:
    r = min(a["r"], min(img.size) // 2)
    return with_mask(img, rounded_mask(img.size, r))


ACTION = Action(
    name="rounded-corners",
    params=(Int("r", 1, 4096, ec="0040-00000237", required=True),),
    missing_ec="0040-00000237",
    apply=apply,
)
