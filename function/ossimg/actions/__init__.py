"""The action registry: one module per action, looked up by its OSS name."""

from . import auto_orient, crop, format, info, interlace, quality, resize, rotate
from .base import Action, EncodeOptions

REGISTRY: dict[str, Action] = {
    module.ACTION.name: module.ACTION
    for module in (resize, crop, rotate, auto_orient, quality, format, interlace, info)
}

__all__ = ["REGISTRY", "Action", "EncodeOptions"]
