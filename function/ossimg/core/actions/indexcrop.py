"""indexcrop,x_<len>|y_<len>,i_<index>: cut into strips of x px (columns) or y px (rows), keep strip i.

y wins over x. The last strip may be shorter. An index past the last strip, or a strip
length longer than the image, returns the image unchanged (OSS).
"""

from ..budget.limits import Limits
from ..errors import invalid_value, missing_argument
from .base import Action, Size
from .params import Int


def check(a: dict) -> None:
    if a.get("y") == 0:
        raise invalid_value("y", "0", "0040-00000230")
    if not a.get("x") and not a.get("y"):
        raise missing_argument("indexcrop needs x or y.", "0040-00000230")


def box(size: Size, a: dict) -> tuple[int, int, int, int]:
    W, H = size
    if a.get("y"):
        start = a["y"] * a["i"]
        if a["y"] > H or start >= H:
            return 0, 0, W, H
        return 0, start, W, min(start + a["y"], H)
    start = a["x"] * a["i"]
    if a["x"] > W or start >= W:
        return 0, 0, W, H
    return start, 0, min(start + a["x"], W), H


def size(size: Size, a: dict, limits: Limits) -> Size:
    x0, y0, x1, y1 = box(size, a)
    return x1 - x0, y1 - y0


ACTION = Action(
    name="indexcrop",
    params=(
        Int("x", 1, None, ec="0040-00000230"),
        Int("y", 0, None, ec="0040-00000224"),
        Int("i", 0, None, default=0, ec="0040-00000229"),
    ),
    check=check,
    size=size,
    region=box,
)
