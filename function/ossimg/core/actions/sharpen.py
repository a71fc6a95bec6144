"""sharpen,<50..399>: an unsharp mask whose strength is the value in percent (100 recommended)."""

from PIL import Image

from ..budget.costs import Cost
from ..pixels import strips
from .base import Action, Size
from .params import Int

RADIUS = 1.0  # px: sharpens edges without halos at thumbnail sizes


def apply(img: Image.Image, a: dict, size: Size) -> Image.Image:
    from PIL import ImageFilter  # loaded by the first sharpen, not on every cold start

    mask = ImageFilter.UnsharpMask(radius=RADIUS, percent=a["sharpen"], threshold=0)
    return strips.filtered_in_place(img, lambda piece: piece.filter(mask), strips.gaussian_reach(RADIUS))


ACTION = Action(
    name="sharpen",
    value=Int("sharpen", 50, 399, ec="0040-00000280"),
    missing_ec="0040-00000279",
    apply=apply,
    cost=Cost(strips=5, ns_in=50),
)
