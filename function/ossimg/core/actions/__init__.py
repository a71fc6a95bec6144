"""The action registry: one module per action, looked up by its OSS name and imported the first
time a request names it (a cold start loads only the actions its first request uses)."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping

from .base import Action, EncodeOptions

MODULES = {  # OSS name -> its module here
    "resize": "resize",
    "crop": "crop",
    "rotate": "rotate",
    "auto-orient": "auto_orient",
    "quality": "quality",
    "format": "format",
    "interlace": "interlace",
    "info": "info",
    "circle": "circle",
    "rounded-corners": "rounded_corners",
    "indexcrop": "indexcrop",
    "blur": "blur",
    "bright": "bright",
    "contrast": "contrast",
    "sharpen": "sharpen",
    "average-hue": "average_hue",
    "watermark": "watermark",
}


class _Registry(Mapping[str, Action]):
    def __init__(self) -> None:
        self._loaded: dict[str, Action] = {}

    def __getitem__(self, name: str) -> Action:
        action = self._loaded.get(name)
        if action is None:
            action = importlib.import_module(f"{__name__}.{MODULES[name]}").ACTION
            self._loaded[name] = action
        return action

    def __iter__(self) -> Iterator[str]:
        return iter(MODULES)

    def __len__(self) -> int:
        return len(MODULES)


REGISTRY: Mapping[str, Action] = _Registry()

__all__ = ["MODULES", "REGISTRY", "Action", "EncodeOptions"]
