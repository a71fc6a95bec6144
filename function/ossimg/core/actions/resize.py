"""resize: m_lfit|mfit|fill|pad|fixed with w, h, l, s, p, limit, color.

Priorities (OSS): w/h over l/s over p. Derived sides round half up. With limit_1 (default)
a target larger than the source in either dimension keeps the source resolution; p > 100
enlarges regardless.
"""

from __future__ import annotations

from PIL import Image

from ..budget.limits import Limits
from ..codecs.decode import resample
from ..errors import invalid_value, missing_argument
from ..pixels.geometry import scale_side
from .base import Action, Size
from .params import Enum, Hex, Int

MODES = ("lfit", "mfit", "fill", "pad", "fixed")


def geometry(size: Size, a: dict) -> tuple[Size, Size]:
    """(size the pixels are resampled to, final size after fill's crop or pad's canvas)."""
    scaled, final = requested(size, a)
    by_percent = not any(a.get(k) for k in "whls")  # p enlarges without limit_0 (OSS: p_120)
    if a["limit"] and not by_percent and (scaled[0] > size[0] or scaled[1] > size[1]):
        return size, size  # limit_1: never enlarge; keep the source resolution
    return scaled, final


def requested(size: Size, a: dict) -> tuple[Size, Size]:
    """What the parameters ask for, before limit_1 is applied."""
    W, H = size
    w, h, l, s, p, m = a.get("w"), a.get("h"), a.get("l"), a.get("s"), a.get("p"), a["m"]  # noqa: E741 (OSS names the long side l)
    if w or h:
        if w and h:
            box = (w, h)
        elif m in ("pad", "fill"):
            box = (w or h, w or h)  # one side given: a square box
        else:
            scaled = _follow_ratio(size, w, h)
            return scaled, scaled
    elif l or s:
        if not (l and s):  # one named side; m is ignored
            longer_is_w = W >= H
            if l:
                w, h = (l, None) if longer_is_w else (None, l)
            else:
                w, h = (None, s) if longer_is_w else (s, None)
            scaled = _follow_ratio(size, w, h)
            return scaled, scaled
        box = (l, s) if W >= H else (s, l)
    else:
        assert p, "resize's check asks for w, h, l, s or p"
        scaled = (scale_side(W, p, 100), scale_side(H, p, 100))
        return scaled, scaled
    bw, bh = box
    width_bound = bw * H <= bh * W  # the width is the tighter side of the box
    if m == "fixed":
        scaled = box
    elif (m in ("lfit", "pad")) == width_bound:
        scaled = (bw, scale_side(H, bw, W))
    else:
        scaled = (scale_side(W, bh, H), bh)
    return scaled, box if m in ("fill", "pad") else scaled


def _follow_ratio(size: Size, w: int | None, h: int | None) -> Size:
    W, H = size
    if w:
        return w, scale_side(H, w, W)
    assert h, "a side is given"
    return scale_side(W, h, H), h


def check(a: dict) -> None:
    if a.get("w") == 0 and a.get("h") == 0:
        raise invalid_value("w, h", "0", "0040-00000321")
    for side, ec in (("w", "0040-00000312"), ("h", "0040-00000313")):
        if a.get(side) == 0:
            raise invalid_value(side, "0", ec)
    if not any(a.get(k) for k in "whlsp"):
        raise missing_argument("resize needs at least one of w, h, l, s or p.", None)


def size(size: Size, a: dict, limits: Limits) -> Size:
    scaled, final = geometry(size, a)  # after limit_1: a 900x7321 source with w_1600 stays 900x7321 on OSS
    limits.check_resize(scaled)
    limits.check_resize(final)
    return final


def draft(size: Size, a: dict) -> Size:
    return geometry(size, a)[0]


def apply(img: Image.Image, a: dict, size: Size) -> Image.Image:
    scaled, final = geometry(size, a)
    img = resample(img, scaled)  # a no-op when the pipeline already shrank the image on load
    if final == scaled:
        return img
    if a["m"] == "fill":
        left, top = (scaled[0] - final[0]) // 2, (scaled[1] - final[1]) // 2
        return img.crop((left, top, left + final[0], top + final[1]))
    return _pad(img, final, a["color"])


def _pad(img: Image.Image, box: Size, color: str) -> Image.Image:
    rgb = tuple(int(color[i : i + 2], 16) for i in (0, 2, 4))
    mode = "RGBA" if "A" in img.getbands() else "RGB"
    canvas = Image.new(mode, box, rgb + (255,) if mode == "RGBA" else rgb)
    canvas.paste(img.convert(mode), ((box[0] - img.width) // 2, (box[1] - img.height) // 2))
    return canvas


ACTION = Action(
    name="resize",
    params=(
        Enum("m", MODES, default="lfit", ec="0040-00000311"),
        Int("w", 0, 16384, ec="0040-00000312"),  # 0 is refused by check(), with its own code beside h_0
        Int("h", 0, 16384, ec="0040-00000313"),
        Int("l", 1, 16384, ec="0040-00000314"),
        Int("s", 1, 16384, ec="0040-00000315"),
        Int("p", 1, 1000, ec="0040-00000317"),
        Int("limit", 0, 1, default=1, ec="0040-00000319"),
        Hex("color", default="FFFFFF", ec="0040-00000318"),
    ),
    missing_ec="0040-00000322",  # a bare `resize`
    check=check,
    size=size,
    draft=draft,
    apply=apply,
    animates=lambda a: any(a.get(k) for k in "whls"),  # OSS: animations resize by w/h only, never by p
    in_animation=lambda a: {**a, "limit": 1},  # OSS never enlarges an animation
)
