"""contrast,<-100..100>: spread around the image's mean grey; <0 flattens, >0 stretches; 0 is neutral."""

from PIL import Image, ImageStat

from ..budget.costs import Cost
from ..pixels import strips
from .base import Action, Size
from .params import Int


def apply(img: Image.Image, a: dict, size: Size) -> Image.Image:
    value = a["contrast"]
    if value == 0:
        return img
    factor = 1 + value / 100  # 0 (flat grey) .. 2 (doubled spread)
    mean = ImageStat.Stat(strips.histogram(img, "L")).mean[0]
    table = [min(255, max(0, round(mean + (level - mean) * factor))) for level in range(256)]
    return strips.point_colours(img, table)


ACTION = Action(name="contrast", value=Int("contrast", -100, 100), apply=apply, cost=Cost(strips=2, ns_in=4))
