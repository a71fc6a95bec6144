"""crop: w, h, x, y and a nine-grid origin g; the region is clipped at the image edges."""

from __future__ import annotations

from ..errors import OssError
from ..geometry import GRID, grid_origin
from ..params import Enum, Int
from .base import Action, Size


def box(size: Size, a: dict) -> tuple[int, int, int, int]:
    W, H = size
    w, h = a.get("w") or W, a.get("h") or H  # absent or 0: to the edge
    ox, oy = grid_origin(a["g"], size, (min(w, W), min(h, H)))
    x0, y0 = ox + a["x"], oy + a["y"]
    if x0 >= W or y0 >= H:
        raise OssError("BadRequest", "Advance cut's position is out of image.", 400)
    return x0, y0, min(x0 + w, W), min(y0 + h, H)


def size(size: Size, a: dict, limits) -> Size:
    x0, y0, x1, y1 = box(size, a)
    return x1 - x0, y1 - y0


ACTION = Action(
    name="crop",
    params=(
        Int("w", 0, None, ec="0040-00000225"),
        Int("h", 0, None, ec="0040-00000226"),
        Int("x", 0, None, default=0),
        Int("y", 0, None, default=0),
        Enum("g", GRID, default="nw", ec="0040-00000209"),
    ),
    size=size,
    region=box,
    animates=lambda a: True,
)
