"""quality: q (relative to the source's JPEG quality) or Q (absolute, never above the source's)."""

from ..errors import missing_argument
from .base import Action, EncodeOptions
from .params import Int


def check(a: dict) -> None:
    if a.get("q") is None and a.get("Q") is None:
        raise missing_argument("quality needs q or Q.", "0040-00000307")


def encode(opts: EncodeOptions, a: dict) -> EncodeOptions:
    if a.get("Q") is not None:  # Q wins when both are given
        return opts.with_(quality_abs=a["Q"], quality_rel=None)
    return opts.with_(quality_rel=a["q"], quality_abs=None)


ACTION = Action(
    name="quality",
    params=(Int("q", 1, 100, ec="0040-00000309"), Int("Q", 1, 100, ec="0040-00000308")),
    missing_ec="0040-00000307",
    bare_value_ec="0040-00000310",
    check=check,
    encode=encode,
)
