"""interlace,<0|1>: progressive JPEG output (no effect on other formats)."""

from .base import Action, EncodeOptions
from .params import Int


def encode(opts: EncodeOptions, a: dict) -> EncodeOptions:
    return opts.with_(progressive=bool(a["interlace"]))


ACTION = Action(
    name="interlace",
    value=Int("interlace", 0, 1, ec="0040-00000282"),
    missing_ec="0040-00000281",
    encode=encode,
    animates=lambda a: True,
)
