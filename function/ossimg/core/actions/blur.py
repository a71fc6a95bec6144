"""blur,r_<1..50>,s_<1..50>: Gaussian blur with standard deviation s, its kernel cut at radius r.

g_face blurs the largest face only, g_faces every face, each box scaled by p %; the rest of the
image is left as it was. No face: the image unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PIL import Image

from ..budget.costs import Cost
from ..pixels import strips
from .base import Action, Size
from .params import Enum, Int

if TYPE_CHECKING:
    from ..faces import Sight


def sigma(a: dict) -> float:
    # A kernel of radius r holds about two standard deviations; a larger s cannot spread further.
    return min(a["s"], a["r"] / 2)


def locate(a: dict, size: Size, look: Callable[[], Sight]) -> dict:
    """The pixel boxes g_face / g_faces blur, in this call's input."""
    if "g" not in a:
        return a
    from .. import faces  # loaded by the first face request, not on every cold start

    faces.refuse_unavailable()
    found = look().faces
    chosen = found[:1] if a["g"] == "face" else found
    scaled = (faces.pixel_box(faces.scaled_about_centre(face, a.get("p", 100)), size) for face in chosen)
    return {**a, "boxes": tuple(box for box in scaled if box)}


# A Gaussian of sigma s leaves little detail finer than s px, so it is made on an image box-
# reduced by k = s // 1 and bilinearly enlarged back, the two resamplings' own spread taken out of
# the small blur: 43-47 dB from the full-size Gaussian (sharp's blur is 40.5 dB from it), k^2 times
# less work. A JPEG's DCT scaling filters better than a box, so its decoder may reduce by s / 0.75.
SIGMA_PER_STEP = 1.0
SIGMA_PER_DCT_STEP = 0.75


def reduction(a: dict) -> int:
    return max(1, int(sigma(a) / SIGMA_PER_STEP))


def decoder_reduction(a: dict) -> int:
    if "g" in a:
        return 1  # faces are blurred in a full-size image
    return max(1, int(sigma(a) / SIGMA_PER_DCT_STEP))


def _reduced_copy(size: Size, k: int) -> int:
    return 4 * size[0] * size[1] // (k * k) if k > 1 else 0


def apply(img: Image.Image, a: dict, size: Size) -> Image.Image:
    if "g" in a:
        return _boxes_blurred(img, a)
    return _blurred(img, a, size)


def _boxes_blurred(img: Image.Image, a: dict) -> Image.Image:
    """Each box blurred with the pixels around it as context, then put back: only the boxes change.
    (The pipeline hands actions a working mode, so the pieces paste back as they are.)"""
    reach = strips.gaussian_reach(sigma(a))
    for x0, y0, x1, y1 in a["boxes"]:
        outer = (max(0, x0 - reach), max(0, y0 - reach), min(img.width, x1 + reach), min(img.height, y1 + reach))
        piece = _blurred(img.crop(outer), a, (outer[2] - outer[0], outer[3] - outer[1]))
        inner = (x0 - outer[0], y0 - outer[1], x1 - outer[0], y1 - outer[1])
        img.paste(piece.crop(inner), (x0, y0))
    return img


def _blurred(img: Image.Image, a: dict, size: Size) -> Image.Image:
    from PIL import ImageFilter  # loaded by the first blur, not on every cold start

    s, k = sigma(a), reduction(a)
    if "A" in img.getbands() or (k == 1 and img.size == size):
        # Alpha blurs unpremultiplied, as Pillow does: at full size.
        return strips.filtered_in_place(
            img, lambda piece: piece.filter(ImageFilter.GaussianBlur(s)), strips.gaussian_reach(s)
        )
    given = max(1, round(size[0] / img.width))  # already reduced by the decoder (JPEG DCT scaling)
    more = max(1, k // given)
    small = strips.reduced(img, more) if more > 1 else img
    total = given * more
    # What is left to blur at 1/total scale once the reduction (about a box: (t^2 - 1) / 12) and
    # the bilinear enlargement (t^2 / 6) have spread the image.
    rest = max(s * s - (total * total - 1) / 12 - total * total / 6, 0.0) ** 0.5 / total
    if rest > 0:
        small = strips.filtered_in_place(
            small, lambda piece: piece.filter(ImageFilter.GaussianBlur(rest)), strips.gaussian_reach(rest)
        )
    return strips.enlarged(small, size, total, into=img if img.size == size else None)


ACTION = Action(
    name="blur",
    params=(
        Int("r", 1, 50, ec="0040-00000241", required=True),
        Int("s", 1, 50, ec="0040-00000242", required=True),
        Enum("g", ("face", "faces"), ec="0004-00000243"),
        Int("p", 1, 200, ec="0004-00000244"),  # the face box's scale, for g_face / g_faces
    ),
    missing_ec="0040-00000241",
    apply=apply,
    locate=locate,
    reducible_by=decoder_reduction,
    # In place, strip by strip (a strip, its context, its result), with a 1/k^2 reduced copy.
    cost=Cost(strips=5, ns_in=40, extra=lambda size, a: _reduced_copy(size, reduction(a))),
)
