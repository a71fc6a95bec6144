"""blur,r_<1..50>,s_<1..50>: Gaussian blur with standard deviation s, its kernel cut at radius r."""

from PIL import Image

from .. import strips
from ..costs import Cost
from ..errors import OssError
from ..params import Enum, Int
from .base import Action


def sigma(a: dict) -> float:
    # A kernel of radius r holds about two standard deviations; a larger s cannot spread further.
    return min(a["s"], a["r"] / 2)


def check(a: dict) -> None:
    if "g" in a:
        raise OssError(
            "InvalidArgument", "blur on faces (g_face, g_faces) needs face detection, which is not offered.", 400
        )


def apply(img: Image.Image, a: dict, size) -> Image.Image:
    from PIL import ImageFilter  # loaded by the first blur, not on every cold start

    s = sigma(a)
    return strips.filtered_in_place(
        img, lambda piece: piece.filter(ImageFilter.GaussianBlur(s)), strips.gaussian_reach(s)
    )


ACTION = Action(
    name="blur",
    params=(
        Int("r", 1, 50, ec="0040-00000241", required=True),
        Int("s", 1, 50, ec="0040-00000242", required=True),
        Enum("g", ("face", "faces"), ec="0004-00000243"),
        Int("p", 1, 200, ec="0004-00000244"),  # the face box's scale, for g_face / g_faces
    ),
    missing_ec="0040-00000241",
    check=check,
    apply=apply,
    cost=Cost(strips=5, ns_in=40),  # in place, strip by strip: a strip, its context, its result
)
