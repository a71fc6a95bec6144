"""rounded-corners,r_<1..4096>: round the corners; a radius over half the shorter side is reduced to it."""

from PIL import Image

from ..budget.costs import Cost
from .base import Action, Size
from .masks import rounded_mask, with_masked_parts
from .params import Int


def apply(img: Image.Image, a: dict, size: Size) -> Image.Image:
    w, h = img.size
    r = min(a["r"], min(img.size) // 2)
    corners = [(0, 0, r, r), (w - r, 0, w, r), (0, h - r, r, h), (w - r, h - r, w, h)]  # all else stays opaque
    return with_masked_parts(img, [(box, rounded_mask(img.size, r, box)) for box in corners if r])


ACTION = Action(
    name="rounded-corners",
    params=(Int("r", 1, 4096, ec="0040-00000237", required=True),),
    missing_ec="0040-00000237",
    apply=apply,
    cost=Cost(copies=1, alpha_copies=0, adds_alpha=True, ns_in=1.5),  # RGB becomes RGBA; corners masked in place
    refused_sources=("gif",),
)
