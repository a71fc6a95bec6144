"""format,<name>: the output format (default: the source's); the names are the formats' records."""

from ..codecs import formats
from .base import Action, EncodeOptions
from .params import Enum


def encode(opts: EncodeOptions, a: dict) -> EncodeOptions:
    return opts.with_(format=a["format"])


ACTION = Action(
    name="format",
    value=Enum(
        "format",
        formats.NAMES,
        ec="0040-00000206",
        aliases=tuple((alias, f.name) for f in formats.REGISTRY for alias in f.aliases),
    ),
    missing_ec="0040-00000207",
    encode=encode,
    animates=lambda a: True,
)
