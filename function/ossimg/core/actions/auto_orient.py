"""auto-orient,<0|1>: whether EXIF orientation is applied.

Like OSS, orientation is applied by default before the first action; `auto-orient,0`
anywhere in the chain keeps the stored pixels. The pipeline reads the flag, so the
action itself changes nothing at its position.
"""

from .base import Action
from .params import Int

ACTION = Action(
    name="auto-orient",
    value=Int("auto-orient", 0, 1, ec="0040-00000215"),
    missing_ec="0040-00000214",  # a bare `auto-orient` names no value
    animates=lambda a: True,
    orients=lambda a: bool(a["auto-orient"]),
)
