"""The action registry: one module per action, looked up by its OSS name."""

from . import (
    auto_orient,
    average_hue,
    blur,
    bright,
    circle,
    contrast,
    crop,
    format,
    indexcrop,
    info,
    interlace,
    quality,
    resize,
    rotate,
    rounded_corners,
    sharpen,
    watermark,
)
from .base import Action, EncodeOptions

REGISTRY: dict[str, Action] = {
    module.ACTION.name: module.ACTION
    for module in (
        resize,
        crop,
        rotate,
        auto_orient,
        quality,
        format,
        interlace,
        info,
        circle,
        rounded_corners,
        indexcrop,
        blur,
        bright,
        contrast,
        sharpen,
        average_hue,
        watermark,
    )
}

__all__ = ["REGISTRY", "Action", "EncodeOptions"]
