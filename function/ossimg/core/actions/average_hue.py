"""average-hue: {"RGB": "0xrrggbb"}, the mean colour of the pixels near the image's dominant hue.

OSS describes the method (mean hue, then the mean colour of the salient pixels) without its
constants; "within 30 degrees of the circular mean hue", on a thumbnail, reproduces OSS's
documented example.jpg value within 3 levels per channel.
"""

from __future__ import annotations

import json
import math

from PIL import Image

from ..codecs.decode import Probe, decode_region
from ..pixels import strips
from .base import Action

THUMBNAIL = 128
HUE_WINDOW = 30 / 360 * 256  # in Pillow's 0..255 hue units


def thumbnail(image: Image.Image) -> Image.Image:
    """What `image.convert("RGB").thumbnail((128, 128), BOX)` makes, without a full-size copy."""
    w, h = image.size
    if w <= THUMBNAIL and h <= THUMBNAIL:
        return image.convert("RGB")
    if w >= h:
        size = (THUMBNAIL, max(1, round(h * THUMBNAIL / w)))
    else:
        size = (max(1, round(w * THUMBNAIL / h)), THUMBNAIL)
    to_rgb = lambda piece: piece.convert("RGB")  # noqa: E731
    return strips.resample(image, size, None, to_rgb, Image.Resampling.BOX, reducing_gap=2.0)


def dominant_colour(image: Image.Image) -> tuple[int, int, int]:
    rgb = thumbnail(image)
    hues = rgb.convert("HSV").getchannel("H").tobytes()
    angle = 2 * math.pi / 256
    mean = math.atan2(sum(math.sin(h * angle) for h in hues), sum(math.cos(h * angle) for h in hues)) / angle % 256
    near = [abs(h - mean) <= HUE_WINDOW or 256 - abs(h - mean) <= HUE_WINDOW for h in hues]
    pixels = rgb.tobytes()
    chosen = [i for i, keep in enumerate(near) if keep] or range(len(hues))
    r, g, b = (round(sum(pixels[3 * i + c] for i in chosen) / len(chosen)) for c in range(3))
    return r, g, b


def describe(source: Probe, nbytes: int) -> bytes:
    image, _ = decode_region(source, None, (THUMBNAIL, THUMBNAIL))
    r, g, b = dominant_colour(image)
    return json.dumps({"RGB": f"0x{r:02x}{g:02x}{b:02x}"}).encode()


ACTION = Action(name="average-hue", describe=describe)
