"""Codecs: read a header without decoding, decode only what is needed, encode once.

Only the formats OSS accepts are opened (Pillow's plugin registry, narrowed); HEIF support
(pillow-heif) is imported the first time a HEIF file arrives.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import (  # noqa: F401  # noqa: F401
    AvifImagePlugin,
    BmpImagePlugin,
    GifImagePlugin,
    Image,
    JpegImagePlugin,
    MpoImagePlugin,
    PngImagePlugin,
    TiffImagePlugin,
    WebPImagePlugin,
)

from .errors import OssError, unsupported_format

# Pillow format name -> OSS format name. MPO is how Pillow names many camera JPEGs.
OSS_FORMATS = {
    "JPEG": "jpg",
    "MPO": "jpg",
    "PNG": "png",
    "GIF": "gif",
    "WEBP": "webp",
    "BMP": "bmp",
    "TIFF": "tiff",
    "HEIF": "heic",
    "AVIF": "avif",
}
CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "bmp": "image/bmp",
    "tiff": "image/tiff",
    "heic": "image/heic",
    "avif": "image/avif",
}
ANIMATED = ("gif", "webp")
# EXIF orientation -> the transpose that shows the image upright.
ORIENTATIONS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")


@dataclass
class Probe:
    """What the header says; `image` is opened but not decoded."""

    image: Image.Image
    format: str
    frames: int
    orientation: int

    @property
    def size(self) -> tuple[int, int]:
        return self.image.size

    @property
    def transposed(self) -> bool:
        return self.orientation in (5, 6, 7, 8)

    def upright_size(self, orient: bool) -> tuple[int, int]:
        w, h = self.image.size
        return (h, w) if orient and self.transposed else (w, h)


def probe(data: bytes) -> Probe:
    if _is_heif(data):
        _register_heif()
    try:
        image = Image.open(io.BytesIO(data), formats=[f for f in OSS_FORMATS if f in Image.OPEN])
        fmt = OSS_FORMATS[image.format]
        frames = getattr(image, "n_frames", 1) if fmt in ANIMATED else 1
        orientation = _orientation(image)
    except Image.DecompressionBombError as exc:
        raise OssError("ImageTooLarge", str(exc), 400, "0040-00000012") from None
    except (OSError, SyntaxError, ValueError, KeyError, EOFError):
        raise unsupported_format() from None
    return Probe(image, fmt, frames, orientation)


def _orientation(image: Image.Image) -> int:
    if image.format in ("HEIF", "TIFF"):
        return 1  # their decoders orient the pixels themselves (libheif's irot/imir, Pillow's TIFF)
    try:
        value = image.getexif().get(0x0112, 1)
    except Exception:  # unreadable EXIF: treat as upright
        return 1
    return value if value in ORIENTATIONS else 1


def _is_heif(data: bytes) -> bool:
    return data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS


def _register_heif() -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()


def decode(p: Probe, at_least: tuple[int, int] | None = None, orient: bool = True) -> Image.Image:
    """Decode the first frame into RGB(A)/L(A); for JPEG, DCT-scale down to `at_least` (stored axes)."""
    image = p.image
    if at_least and image.format in ("JPEG", "MPO"):
        image.draft(image.mode if image.mode in ("RGB", "L") else "RGB", at_least)
    try:
        image.load()
        image = _normalise_mode(image)
    except Image.DecompressionBombError as exc:
        raise OssError("ImageTooLarge", str(exc), 400, "0040-00000012") from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise OssError("BadRequest", "The image file may be damaged.", 400, "0040-00000005") from None
    if orient and p.orientation in ORIENTATIONS:
        image = image.transpose(ORIENTATIONS[p.orientation])
    return image


def _normalise_mode(image: Image.Image) -> Image.Image:
    if image.mode in ("RGB", "RGBA", "L", "LA"):
        return image
    if image.mode == "P" or image.mode == "PA":
        has_alpha = "transparency" in image.info or image.mode == "PA"
        return image.convert("RGBA" if has_alpha else "RGB")
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F", "1"):
        return image.convert("L")
    if image.mode == "RGBa":
        return image.convert("RGBA")
    return image.convert("RGBA" if "A" in image.getbands() else "RGB")


def estimate_jpeg_quality(image: Image.Image) -> int | None:
    """The libjpeg quality whose scaled standard luminance table best matches the source's."""
    tables = getattr(image, "quantization", None)
    if not tables or 0 not in tables:
        return None
    target = sum(tables[0])
    best, best_diff = None, None
    for q in range(1, 101):
        scale = 5000 // q if q < 50 else 200 - 2 * q
        total = sum(min(max((v * scale + 50) // 100, 1), 255) for v in _STD_LUMINANCE)
        diff = abs(total - target)
        if best_diff is None or diff <= best_diff:
            best, best_diff = q, diff
    return best


_STD_LUMINANCE = (
    16,
    11,
    10,
    16,
    24,
    40,
    51,
    61,
    12,
    12,
    14,
    19,
    26,
    58,
    60,
    55,
    14,
    13,
    16,
    24,
    40,
    57,
    69,
    56,
    14,
    17,
    22,
    29,
    51,
    87,
    80,
    62,
    18,
    22,
    37,
    56,
    68,
    109,
    103,
    77,
    24,
    35,
    55,
    64,
    81,
    104,
    113,
    92,
    49,
    64,
    78,
    87,
    103,
    121,
    120,
    101,
    72,
    92,
    95,
    98,
    112,
    100,
    103,
    99,
)


def encode(image: Image.Image, fmt: str, quality: int, progressive: bool, icc: bytes | None) -> bytes:
    out = io.BytesIO()
    extra = {"icc_profile": icc} if icc and fmt in ("jpg", "png", "webp", "tiff", "avif", "heic") else {}
    if fmt == "jpg":
        image = flatten(image)
        image.save(out, "JPEG", quality=quality, progressive=progressive, optimize=progressive, **extra)
    elif fmt == "png":
        image.save(out, "PNG", compress_level=6, **extra)
    elif fmt == "webp":
        image.save(out, "WEBP", quality=quality, method=4, **extra)
    elif fmt == "bmp":
        flatten(image).save(out, "BMP")  # readers ignore the alpha of Pillow's 32-bit BMPs: white, not black
    elif fmt == "gif":
        image.save(out, "GIF")
    elif fmt == "tiff":
        image.save(out, "TIFF", compression="tiff_adobe_deflate", **extra)
    elif fmt == "avif":
        image.save(out, "AVIF", quality=quality, speed=8, **extra)
    elif fmt == "heic":
        _register_heif()
        image.save(out, "HEIF", quality=quality, **extra)
    else:
        raise AssertionError(f"no encoder for {fmt}")
    return out.getvalue()


def flatten(image: Image.Image, background=(255, 255, 255)) -> Image.Image:
    """Alpha composited on white (OSS fills transparency white for JPEG)."""
    if "A" not in image.getbands():
        return image.convert("RGB") if image.mode != "RGB" and image.mode != "L" else image
    rgba = image.convert("RGBA")
    canvas = Image.new("RGB", rgba.size, background)
    canvas.paste(rgba, mask=rgba.getchannel("A"))
    return canvas


@dataclass
class Animation:
    frames: list  # full, composited RGBA frames
    durations: list[int]  # ms per frame
    loop: int | None  # 0 = forever; None = play once (a GIF without a loop extension)


def decode_frames(p: Probe) -> Animation:
    """Every frame, composited by Pillow (so source disposal methods are already applied)."""
    frames, durations = [], []
    image = p.image
    try:
        for index in range(p.frames):
            image.seek(index)
            frames.append(image.convert("RGBA"))
            durations.append(int(image.info.get("duration") or 100))
    except (OSError, SyntaxError, ValueError, EOFError):
        if not frames:
            raise OssError("BadRequest", "The image file may be damaged.", 400, "0040-00000005") from None
    return Animation(frames, durations[: len(frames)], image.info.get("loop"))


def encode_animation(animation: Animation, fmt: str, quality: int) -> bytes:
    """Frames are whole pictures, so each replaces the last (disposal 2): the source's look exactly."""
    out = io.BytesIO()
    first, rest = animation.frames[0], animation.frames[1:]
    if fmt == "gif":
        loop = {} if animation.loop is None else {"loop": animation.loop}
        first.save(out, "GIF", save_all=True, append_images=rest, duration=animation.durations, disposal=2, **loop)
    elif fmt == "webp":
        loop = 1 if animation.loop is None else animation.loop
        # libwebp trims transparent borders off delta frames and then drops the file's alpha
        # flag, so readers see an opaque animation; keyframes only keep the alpha.
        keyframes = {"kmax": 1} if any(f.getchannel("A").getextrema()[0] < 255 for f in animation.frames) else {}
        first.save(
            out,
            "WEBP",
            save_all=True,
            append_images=rest,
            duration=animation.durations,
            loop=loop,
            quality=quality,
            method=4,
            **keyframes,
        )
    else:
        raise AssertionError(f"{fmt} is not an animated format")
    return out.getvalue()
