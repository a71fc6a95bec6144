"""crop: w, h, x, y and a nine-grid origin g; the region is clipped at the image edges.

g_face crops the largest face (its box scaled by p %), or a w x h box centred on it when w or h
is given; g_auto keeps the image's focus (the faces with room around them, else its most detailed
part) and ignores w, h and p, as OSS does. Both are resolved into x, y, w, h before planning.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..budget.limits import Limits
from ..errors import OssError
from ..pixels.geometry import GRID, grid_origin
from .base import Action, Size
from .params import Enum, Int

if TYPE_CHECKING:
    from ..faces import Sight

LOCATED = ("face", "auto")


def box(size: Size, a: dict) -> tuple[int, int, int, int]:
    W, H = size
    if a["g"] in LOCATED:  # only the source's own chain finds faces (not a watermark's)
        raise OssError("InvalidArgument", f"crop,g_{a['g']} applies to the image itself, not to a watermark.", 400)
    w, h = a.get("w") or W, a.get("h") or H  # absent or 0: to the edge
    ox, oy = grid_origin(a["g"], size, (min(w, W), min(h, H)))
    x0, y0 = ox + a["x"], oy + a["y"]
    if x0 >= W or y0 >= H:
        raise OssError("BadRequest", "Advance cut's position is out of image.", 400)
    return x0, y0, min(x0 + w, W), min(y0 + h, H)


def size(size: Size, a: dict, limits: Limits) -> Size:
    x0, y0, x1, y1 = box(size, a)
    return x1 - x0, y1 - y0


def locate(a: dict, size: Size, look: Callable[[], Sight]) -> dict:
    """g_face / g_auto as the plain crop they come to. No face for g_face: a centre crop."""
    if a["g"] not in LOCATED:
        return a
    from .. import faces  # loaded by the first face request, not on every cold start

    faces.refuse_unavailable()
    sight = look()
    if a["g"] == "auto":
        found = faces.pixel_box(sight.focus, size, touched=False)
    elif not sight.faces:
        return {**a, "g": "center", "x": 0, "y": 0}
    else:
        face = faces.scaled_about_centre(sight.faces[0], a.get("p", 100))
        if a.get("w") or a.get("h"):
            side = (a.get("w") or round(face[2] - face[0]), a.get("h") or round(face[3] - face[1]))
            found = faces.fitted(((face[0] + face[2]) / 2, (face[1] + face[3]) / 2), side, size)
        else:
            found = faces.pixel_box(face, size)
    x0, y0, x1, y1 = found or (0, 0, *size)
    return {"x": x0, "y": y0, "w": x1 - x0, "h": y1 - y0, "g": "nw"}


ACTION = Action(
    name="crop",
    params=(
        Int("w", 0, None, ec="0040-00000225"),
        Int("h", 0, None, ec="0040-00000226"),
        Int("x", 0, None, default=0),
        Int("y", 0, None, default=0),
        Enum("g", GRID + LOCATED, default="nw", ec="0040-00000209"),
        Int("p", 1, 200),  # the face box's scale, for g_face
    ),
    size=size,
    region=box,
    locate=locate,
    animates=lambda a: True,
)
