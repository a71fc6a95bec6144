"""format,<jpg|jpeg|png|webp|bmp|gif|tiff|heic|avif>: the output format (default: the source's)."""

from ..params import Enum
from .base import Action, EncodeOptions

FORMATS = ("jpg", "png", "webp", "bmp", "gif", "tiff", "heic", "avif")


def encode(opts: EncodeOptions, a: dict) -> EncodeOptions:
    return opts.with_(format=a["format"])


ACTION = Action(
    name="format",
    value=Enum("format", FORMATS, ec="0040-00000206", aliases=(("jpeg", "jpg"),)),
    missing_ec="0040-00000207",
    encode=encode,
    animates=lambda a: True,
)
