"""watermark: text, an image from the same bucket, or both, anchored on the nine-grid or tiled.

The mark is built once per request (prepare), before the base image is decoded, with the
pipeline's own decoding and actions for an image mark; then composited onto the image, or onto
every frame of an animation (apply).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image  # ImageDraw and ImageFont load when text is drawn: not on every cold start

if TYPE_CHECKING:
    from PIL import ImageFont

from ..budget.costs import Cost
from ..errors import invalid_value, missing_argument
from ..pixels.geometry import CELLS, GRID
from .base import Action, Size
from .params import B64, Embedded, Enum, Hex, Int

MAX_TEXT_BYTES = 64  # UTF-8 bytes once decoded: 64 Latin letters, or 21 CJK characters
# OSS font names -> bundled open fonts. The FangZheng faces are not free, so Droid Sans Fallback
# (Song/Kai/FangSong) and WenQuanYi Zen Hei (Hei) stand in for them.
FONTS = {
    "wqy-zenhei": "wqy-zenhei.ttc",
    "wqy-microhei": "wqy-microhei.ttc",
    "fangzhengshusong": "DroidSansFallbackFull.ttf",
    "fangzhengkaiti": "DroidSansFallbackFull.ttf",
    "fangzhengheiti": "wqy-zenhei.ttc",
    "fangzhengfangsong": "DroidSansFallbackFull.ttf",
    "droidsansfallback": "DroidSansFallbackFull.ttf",
}
PREPROCESSING = ("resize", "crop", "indexcrop", "rounded-corners", "rotate")


# --- parameters ---------------------------------------------------------------------------


def check(a: dict) -> None:
    if "text" not in a and "image" not in a:
        raise missing_argument("watermark needs text or image.", "0040-00000278")
    if "text" in a:
        if not a["text"]:
            raise invalid_value("text", "", "0040-00000258")
        if len(a["text"].encode()) > MAX_TEXT_BYTES:
            raise invalid_value("text", a["text"], "0040-00000259")
        if a["type"] not in FONTS:
            raise invalid_value("type", a["type"], "0040-00000251")


def resources(a: dict) -> list[str]:
    return [a["image"].key] if "image" in a else []


# --- building the mark --------------------------------------------------------------------


def prepare(a: dict, base: Size, kit: Any) -> dict:
    """The finished mark, built once per request at the base image's size. `kit` is the pipeline's:
    `kit.open(key)` decodes a watermark image (checked, oriented, RGBA), `kit.apply(image, chain)`
    runs a chain on it, `kit.fonts` are the font folders."""
    parts = []
    if "image" in a:
        parts.append(_image_mark(a["image"], base, kit))
    if "text" in a:
        parts.append(_text_mark(a, kit.fonts))
    mark = parts[0] if len(parts) == 1 else _side_by_side(parts, a)
    return {**a, "_mark": _faded(mark, a["t"])}


def _image_mark(image: Any, base: Size, kit: Any) -> Image.Image:  # image: the grammar's Embedded
    mark = kit.open(image.key)
    for step in image.steps:
        if step.chain:
            mark = kit.apply(mark, step.chain).convert("RGBA")
        if step.percent:
            mark = _fit(mark, (base[0] * step.percent / 100, base[1] * step.percent / 100))
    return mark


def _fit(mark: Image.Image, box: tuple[float, float]) -> Image.Image:
    """P_: the mark scaled (up or down) to fit P % of the base image's width and height."""
    scale = min(box[0] / mark.width, box[1] / mark.height)
    size = (max(1, round(mark.width * scale)), max(1, round(mark.height * scale)))
    return mark if size == mark.size else mark.resize(size, Image.Resampling.LANCZOS)


def _text_mark(a: dict, folders: tuple[str, ...]) -> Image.Image:
    from PIL import ImageDraw

    runs = font_runs(a["text"], FONTS[a["type"]], a["size"], folders)
    ascent = max(font.getmetrics()[0] for font, _ in runs)
    descent = max(font.getmetrics()[1] for font, _ in runs)
    width = max(1, round(sum(font.getlength(text) for font, text in runs)))
    shadow = max(1, a["size"] // 20) if a["shadow"] else 0
    layer = Image.new("RGBA", (width + shadow, ascent + descent + shadow), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    rgb = tuple(int(a["color"][i : i + 2], 16) for i in (0, 2, 4))
    for offset, fill in ((shadow, (0, 0, 0, round(255 * a["shadow"] / 100))), (0, rgb + (255,))):
        if offset or not shadow or fill[3] == 255:
            x = offset
            for font, text in runs:
                draw.text((x, ascent + offset), text, font=font, fill=fill, anchor="ls")
                x += font.getlength(text)
    if a["rotate"] % 360:
        layer = layer.rotate(-a["rotate"], Image.Resampling.BICUBIC, expand=True)
    return layer


def font_runs(
    text: str, filename: str, size: int, folders: tuple[str, ...]
) -> list[tuple[ImageFont.FreeTypeFont, str]]:
    """Split `text` into runs, each drawn with the first bundled font that has its glyphs.

    Droid Sans Fallback has CJK but no Latin; WenQuanYi has both: mixed text needs both.
    """
    fonts = [load_font(name, size, folders) for name in dict.fromkeys((filename, *FALLBACK_FONTS))]
    runs: list[tuple[ImageFont.FreeTypeFont, str]] = []
    for char in text:
        font = next((f for f in fonts if has_glyph(f, char)), fonts[0])
        if runs and runs[-1][0] is font:
            runs[-1] = (font, runs[-1][1] + char)
        else:
            runs.append((font, char))
    return runs


FALLBACK_FONTS = ("wqy-zenhei.ttc", "DroidSansFallbackFull.ttf")


@functools.cache
def has_glyph(font: ImageFont.FreeTypeFont, char: str) -> bool:
    """Whether the font draws `char` as something other than its missing-glyph box."""
    return char.isspace() or _drawn(font, char) != _drawn(font, "\U0010fffd")  # private use: never drawn


@functools.cache
def _drawn(font: ImageFont.FreeTypeFont, char: str) -> bytes:
    from PIL import ImageDraw

    side = int(font.size * 2)
    canvas = Image.new("L", (side, side))
    ImageDraw.Draw(canvas).text((0, 0), char, font=font, fill=255)
    return canvas.tobytes()


@functools.cache
def load_font(filename: str, size: int, folders: tuple[str, ...]) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    for folder in folders:
        path = Path(folder) / filename
        if folder and path.is_file():
            return ImageFont.truetype(str(path), size)
    raise RuntimeError(f"font {filename} not found in {folders}")


def _side_by_side(parts: list[Image.Image], a: dict) -> Image.Image:
    """Mixed watermark: image and text in a row (order), aligned top/middle/bottom (align)."""
    image, text = parts
    first, second = (image, text) if a["order"] == 0 else (text, image)
    height = max(first.height, second.height)
    canvas = Image.new("RGBA", (first.width + a["interval"] + second.width, height), (0, 0, 0, 0))
    for part, x in ((first, 0), (second, first.width + a["interval"])):
        y = (0, (height - part.height) // 2, height - part.height)[a["align"]]
        canvas.alpha_composite(part, (x, y))
    return canvas


def _faded(mark: Image.Image, opacity: int) -> Image.Image:
    if opacity == 100:
        return mark
    alpha = mark.getchannel("A").point(lambda v: v * opacity // 100)
    mark.putalpha(alpha)
    return mark


# --- placing it ---------------------------------------------------------------------------


def position(base: Size, mark: Size, a: dict) -> tuple[int, int]:
    """Nine-grid placement; x/y are margins from the edges, voffset shifts the middle row (down)."""
    (W, H), (w, h) = base, mark
    col, row = CELLS[a["g"]]
    x = (a["x"], (W - w) // 2, W - w - a["x"])[col]
    y = (a["y"], (H - h) // 2 + a["voffset"], H - h - a["y"])[row]
    return x, y


def apply(img: Image.Image, a: dict, size: Size) -> Image.Image:
    mark = a["_mark"]
    x, y = position(img.size, mark.size, a)
    if img.mode not in ("RGB", "RGBA"):
        img = img.convert("RGBA" if "A" in img.getbands() else "RGB")
    if not a["fill"]:
        _composite(img, mark, x, y)
        return img
    step_x, step_y = mark.width + a["padx"], mark.height + a["pady"]
    for ty in range(y % step_y - step_y, img.height, step_y):  # tiles through the anchored one
        for tx in range(x % step_x - step_x, img.width, step_x):
            _composite(img, mark, tx, ty)
    return img


def _composite(base: Image.Image, mark: Image.Image, x: int, y: int) -> None:
    """Alpha-composite `mark` at (x, y), clipped to the base, in place."""
    left, top = max(0, -x), max(0, -y)
    right, bottom = min(mark.width, base.width - x), min(mark.height, base.height - y)
    if right <= left or bottom <= top:
        return
    piece = mark.crop((left, top, right, bottom))
    if base.mode == "RGBA":
        base.alpha_composite(piece, (x + left, y + top))
    else:
        base.paste(piece, (x + left, y + top), piece)


ACTION = Action(
    name="watermark",
    params=(
        Int("t", 0, 100, default=100, ec="0040-00000263"),
        Enum("g", GRID, default="se", ec="0040-00000260"),
        Int("x", 0, 4096, default=10, ec="0040-00000262"),
        Int("y", 0, 4096, default=10, ec="0040-00000264"),
        Int("voffset", -1000, 1000, default=0, ec="0040-00000268"),
        Int("fill", 0, 1, default=0, ec="0040-00000274"),
        Int("padx", 0, 4096, default=0, ec="0040-00000276"),
        Int("pady", 0, 4096, default=0, ec="0040-00000277"),
        B64("text", ec="0040-00000257"),
        B64("type", default="wqy-zenhei", ec="0040-00000250"),
        Hex("color", default="000000", ec="0040-00000254"),
        Int("size", 1, 1000, default=40, ec="0040-00000256"),
        Int("shadow", 0, 100, default=0, ec="0040-00000255"),
        Int("rotate", 0, 360, default=0, ec="0040-00000272"),
        Embedded("image", PREPROCESSING, percent_on="resize", ec="0040-00000265"),
        Int("order", 0, 1, default=0, ec="0040-00000269"),
        Int("align", 0, 2, default=2, ec="0040-00000271"),
        Int("interval", 0, 1000, default=0, ec="0040-00000270"),
    ),
    missing_ec="0040-00000278",
    check=check,
    resources=resources,
    prepare=prepare,
    apply=apply,
    animates=lambda a: True,
    # In place (grey becomes RGB first); the mark itself is built, and counted, before the estimate.
    cost=Cost(grey_copies=1, colours=True, ns_out=10),
)
