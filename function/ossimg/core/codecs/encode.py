"""Pixels to bytes: one encode per request, with the metadata decided here and the output capped
at what can be delivered."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from PIL import Image

from ..errors import OssError, OutputTooLarge, too_large
from ..pixels import strips
from . import formats
from .decode import Animation

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

DEFAULT_ENCODERS = formats.EncoderSettings()


def matching_profile(image: Image.Image, icc: bytes | None) -> bytes | None:
    """The source's ICC profile, if it describes the output's colour space (RGB or grey), else none."""
    if not icc or len(icc) < 20:
        return None
    space = icc[16:20]
    if (space == b"RGB " and image.mode in ("RGB", "RGBA")) or (space == b"GRAY" and image.mode in ("L", "LA")):
        return icc
    return None


# What each output format carries besides pixels is decided here, never left to Pillow's savers,
# which otherwise copy the source's EXIF (orientation and GPS included), XMP, comments and TIFF
# tags from `image.info`. Outputs carry no EXIF and no XMP; ICC where the format can.
def metadata(image: Image.Image, kind: formats.Format, icc: bytes | None) -> dict:
    """The saver options for every kind of metadata the format can hold: the encoder's explicit decision."""
    options = dict(kind.no_metadata)
    if kind.icc:
        options["icc_profile"] = matching_profile(image, icc)
    return options


def bare(image: Image.Image) -> Image.Image:
    """The same pixels (shared, not copied) with no source metadata for a saver to fall back on."""
    clean = image._new(image.im)  # also drops a TIFF file's own tag directory
    clean.info = {}
    return clean


class CappedOutput(io.BytesIO):
    """The encoder's output, refused as soon as it outgrows what can be delivered: a 200 MB BMP
    is never finished only to be thrown away."""

    def __init__(self, limit: int | None):
        super().__init__()
        self.limit = limit

    def write(self, data: ReadableBuffer) -> int:
        if self.limit is not None and self.tell() + memoryview(data).nbytes > self.limit:
            raise OutputTooLarge(self.limit)
        return super().write(data)


def encode(
    image: Image.Image,
    fmt: str,
    quality: int,
    progressive: bool,
    icc: bytes | None,
    max_bytes: int | None = None,
    encoders: formats.EncoderSettings = DEFAULT_ENCODERS,
) -> bytes:
    kind = formats.by_name(fmt)
    out = CappedOutput(max_bytes)
    if not kind.alpha:
        image = flatten(image)
    image = bare(image)
    kind.load_plugin()
    try:
        kind.save(image, out, formats.Save(quality, progressive, encoders, metadata(image, kind, icc)))
    except OssError:
        raise
    except (ValueError, OSError) as exc:  # an encoder's own limit (libwebp's partition size, say)
        raise too_large(f"The result cannot be encoded as {fmt} ({exc}); ask for a smaller size.") from None
    return out.getvalue()


def flatten(image: Image.Image) -> Image.Image:
    """Alpha composited on white (OSS fills transparency white for JPEG), a strip at a time."""
    if "A" not in image.getbands():
        return image.convert("RGB") if image.mode != "RGB" and image.mode != "L" else image
    return strips.converted(image, _on_white)


def _on_white(piece: Image.Image) -> Image.Image:
    rgba = piece.convert("RGBA")
    canvas = Image.new("RGB", rgba.size, (255, 255, 255))
    canvas.paste(rgba, mask=rgba.getchannel("A"))
    return canvas


def encode_animation(
    animation: Animation,
    fmt: str,
    quality: int,
    icc: bytes | None = None,
    max_bytes: int | None = None,
    encoders: formats.EncoderSettings = DEFAULT_ENCODERS,
) -> bytes:
    """Frames are whole pictures, so each replaces the last (disposal 2): the source's look exactly."""
    kind = formats.by_name(fmt)
    out = CappedOutput(max_bytes)
    frames = [bare(frame) for frame in animation.frames]
    save = formats.Save(quality, False, encoders, metadata(frames[0], kind, icc))
    assert kind.save_animation is not None, "the chain animates only into animated formats"
    kind.save_animation(frames, animation.durations, animation.loop, out, save)
    return out.getvalue()
