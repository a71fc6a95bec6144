"""Codecs: read a header without decoding, decode only what is needed, encode once.

Only the formats OSS accepts are opened, and each Pillow plugin (and pillow-heif) is imported
the first time a file of its format arrives: a plugin-per-format registry keyed by magic bytes.
"""

from __future__ import annotations

import functools
import importlib
import io
import os
import warnings
from dataclasses import dataclass

from PIL import Image, ImageFile

from . import strips, webp
from .config import from_env
from .errors import OssError, OutputTooLarge, damaged, too_large, unsupported_format

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
WORKING_MODES = ("RGB", "RGBA", "L", "LA")  # what actions see; other decoded modes (P, I;16, RGBX...) are converted
_AVIF_BRANDS = (b"avif", b"avis")
TRANSPOSING = (5, 6, 7, 8)  # EXIF orientations that swap width and height
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class EncoderSettings:
    """Per-format encoder effort, chosen with `make bench` (see the README); overridable by environment."""

    webp_method: int = 4  # WEBP_METHOD: 0 fast .. 6 small; 4 is libwebp's balance (2: -45% time, +4% bytes)
    avif_speed: int = 8  # AVIF_SPEED: 0 small .. 10 fast; 8: 2.7x faster than 6 for +8% bytes
    avif_threads: int = 0  # AVIF_THREADS: 0 = one per CPU
    heic_preset: str = "ultrafast"  # HEIC_PRESET: x265 preset; ultrafast is 4x faster than medium for +9% bytes

    @classmethod
    def from_env(cls, env=os.environ) -> EncoderSettings:
        return from_env(cls, env)


ENCODERS = EncoderSettings.from_env()
# Pillow's block cache keeps freed image memory for the next request of a warm container.
if "PILLOW_BLOCKS_MAX" not in os.environ:
    Image.core.set_blocks_max(8)


def _format_of(data: bytes) -> str | None:
    """The Pillow format a file's first bytes announce, among those OSS accepts."""
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if data[:4] == b"GIF8":
        return "GIF"
    if data[:2] == b"BM":
        return "BMP"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    if data[4:8] == b"ftyp":
        box = data[8 : max(16, min(int.from_bytes(data[:4], "big"), 64))]
        brands = {box[i : i + 4] for i in range(0, len(box), 4)}
        return "AVIF" if brands & set(_AVIF_BRANDS) else "HEIF"
    return None


_PLUGINS = {
    "JPEG": "PIL.JpegImagePlugin",
    "PNG": "PIL.PngImagePlugin",
    "GIF": "PIL.GifImagePlugin",
    "BMP": "PIL.BmpImagePlugin",
    "WEBP": "PIL.WebPImagePlugin",
    "TIFF": "PIL.TiffImagePlugin",
    "AVIF": "PIL.AvifImagePlugin",
}


def _register(fmt: str) -> None:
    if fmt == "HEIF":
        import pillow_heif

        pillow_heif.register_heif_opener()
    else:
        importlib.import_module(_PLUGINS[fmt])


@dataclass
class Probe:
    """What the header says; `image` is opened but not decoded. What the encoder needs from the
    source (its profile, its JPEG quality) is read here, so the image can be let go once decoded."""

    image: Image.Image
    format: str
    frames: int
    orientation: int
    icc: bytes | None = None
    quality: int | None = None  # the source's JPEG quality, estimated from its tables
    data: bytes = b""  # the file, for decoders that read it themselves (libwebp)

    @property
    def size(self) -> tuple[int, int]:
        return self.image.size

    @property
    def transposed(self) -> bool:
        return self.orientation in (5, 6, 7, 8)

    def upright_size(self, orient: bool) -> tuple[int, int]:
        w, h = self.image.size
        return (h, w) if orient and self.transposed else (w, h)

    @property
    def sequential(self) -> bool:
        """A baseline JPEG or a non-interlaced PNG: rows decode top to bottom, so a decode can stop early."""
        image = self.image
        if len(image.tile) != 1:
            return False
        if image.format == "JPEG":
            return not image.info.get("progressive")
        return image.format == "PNG" and not image.info.get("interlace")


def probe(data: bytes) -> Probe:
    fmt = _format_of(data)
    if fmt is None:
        raise unsupported_format()
    _register(fmt)
    try:
        try:
            image = _open(data, fmt)
        except Image.DecompressionBombError:
            # Header only, Pillow's net off: our limits refuse it next, with OSS's precise code.
            image = _open(data, fmt, pillow_guard=False)
        oss_format = OSS_FORMATS[image.format]
        frames = getattr(image, "n_frames", 1) if oss_format in ANIMATED else 1
        orientation = _orientation(image)
    except Exception:  # whatever a malformed header makes a decoder raise, the file is at fault
        raise unsupported_format() from None
    return Probe(
        image, oss_format, frames, orientation, image.info.get("icc_profile"), estimate_jpeg_quality(image), data
    )


def _open(data: bytes, fmt: str, pillow_guard: bool = True) -> Image.Image:
    """Image.open (which reads the header only), quiet about sizes our own limits judge next."""
    guard = Image.MAX_IMAGE_PIXELS
    if not pillow_guard:
        Image.MAX_IMAGE_PIXELS = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data), formats=[fmt])
    finally:
        Image.MAX_IMAGE_PIXELS = guard


def _orientation(image: Image.Image) -> int:
    if image.format in ("HEIF", "TIFF"):
        return 1  # their decoders orient the pixels themselves (libheif's irot/imir, Pillow's TIFF)
    try:
        if image.format == "PNG":
            # Only an eXIf chunk before the pixels counts: Pillow's getexif() would decode the
            # whole image to look for one after them.
            exif = Image.Exif()
            exif.load(image.info.get("exif") or b"")
        else:
            exif = image.getexif()  # JPEG, WebP: read with the header
        value = exif.get(0x0112, 1)
    except Exception:  # unreadable EXIF: treat as upright
        return 1
    return value if value in ORIENTATIONS else 1


def decode(
    p: Probe, at_least: tuple[int, int] | None = None, rows: int | None = None, normalise: bool = True
) -> Image.Image:
    """The first frame in RGB(A)/L(A) (or as decoded, without `normalise`), stored orientation.

    `at_least`: JPEG DCT scaling down to no less than this size. `rows`: decode a baseline JPEG
    only down to this row (a crop needs nothing below its box).
    """
    if _by_libwebp(p):
        image = _libwebp(p, None, None).image
        return normalised(image) if normalise else image
    image = p.image
    if at_least and image.format in ("JPEG", "MPO"):
        full_width = image.width
        image.draft(image.mode if image.mode in ("RGB", "L") else "RGB", at_least)
        if rows:
            rows = -(-rows * image.width // full_width)  # the same bottom edge, at the decoded scale
    try:
        if rows and rows < image.height and p.sequential:
            _load_rows(image, rows)
        else:
            image.load()
        return normalised(image) if normalise else image
    except Image.DecompressionBombError as exc:
        raise too_large(str(exc), "0040-00000012") from None
    except Exception:  # truncated or corrupt data: the file is at fault, whatever the decoder raises
        raise damaged() from None


def decode_region(
    p: Probe, box: tuple[int, int, int, int] | None, target: tuple[int, int] | None = None
) -> tuple[Image.Image, tuple[float, float, float, float] | None]:
    """The first frame as decoded (not normalised), holding at least the part `box` (None: all)
    at no less than `target` (None: full scale); and where `box` is in the decoded image.

    WebP: libwebp decodes just the box, rescaled. JPEG: DCT scaling to one pixel more than the
    target (so LANCZOS always finishes the shrink). Top-down formats stop at the box's bottom row.
    """
    width, height = p.size
    if _by_libwebp(p):
        decoded = _libwebp(p, box, target)
        return decoded.image, decoded.box
    at_least = None
    if target:
        bw, bh = (box[2] - box[0], box[3] - box[1]) if box else (width, height)
        at_least = (-(-(target[0] + 1) * width // bw), -(-(target[1] + 1) * height // bh))
    image = decode(p, at_least=at_least, rows=box[3] if box else None, normalise=False)
    scale = max(1, round(width / image.width))
    return image, tuple(v / scale for v in box) if box else None


def _by_libwebp(p: Probe) -> bool:
    return p.format == "webp" and p.frames == 1 and webp.available()


def _libwebp(p: Probe, box, target) -> webp.Decoded:
    try:
        return webp.decode(p.data, box, target)
    except ValueError:
        raise damaged() from None


def _load_rows(image: ImageFile.ImageFile, rows: int) -> None:
    """Decode only the top `rows` rows: the decoder stops there and complains about the rest, which
    is expected, so that one complaint is tolerated for this load only."""
    image.tile = [image.tile[0]._replace(extents=(0, 0, image.width, rows))]
    image._size = (image.width, rows)
    ImageFile.LOAD_TRUNCATED_IMAGES = True
    try:
        image.load()
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = False


def stored_region(box: Box, orientation: int, upright: tuple[int, int]) -> Box:
    """The box of the stored (unoriented) image that shows as `box` once oriented."""
    x0, y0, x1, y1 = box
    w, h = upright
    return {
        1: (x0, y0, x1, y1),
        2: (w - x1, y0, w - x0, y1),
        3: (w - x1, h - y1, w - x0, h - y0),
        4: (x0, h - y1, x1, h - y0),
        5: (y0, x0, y1, x1),
        6: (y0, w - x1, y1, w - x0),
        7: (h - y1, w - x1, h - y0, w - x0),
        8: (h - y1, x0, h - y0, x1),
    }[orientation]


def oriented(image: Image.Image, orientation: int) -> Image.Image:
    return image.transpose(ORIENTATIONS[orientation]) if orientation in ORIENTATIONS else image


def resample(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    return image if image.size == size else strips.resample(image, size)


def normalised(image: Image.Image) -> Image.Image:
    """`image` in a working mode, converted a strip at a time when it is big."""
    return image if image.mode in WORKING_MODES else strips.converted(image, normalise_mode)


def normalise_mode(image: Image.Image) -> Image.Image:
    if image.mode in ("RGB", "RGBA", "L", "LA"):
        return image
    if image.mode == "P" or image.mode == "PA":
        has_alpha = "transparency" in image.info or image.mode == "PA"
        return image.convert("RGBA" if has_alpha else "RGB")
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        return image.convert("I").point(lambda v: v / 256).convert("L")  # 16-bit grey: scale, not clip
    if image.mode in ("F", "1"):
        return image.convert("L")
    if image.mode == "RGBa":
        return image.convert("RGBA")
    if image.mode == "CMYK" and image.info.get("icc_profile"):
        return _to_srgb(image)
    return image.convert("RGBA" if "A" in image.getbands() else "RGB")


def _to_srgb(image: Image.Image) -> Image.Image:
    """CMYK through its own profile to sRGB (Pillow's plain conversion ignores the profile)."""
    from PIL import ImageCms

    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(image.info["icc_profile"]))
        return ImageCms.profileToProfile(image, profile, ImageCms.createProfile("sRGB"), outputMode="RGB")
    except Exception:  # an unreadable profile: the plain conversion is the best left
        return image.convert("RGB")


def matching_profile(image: Image.Image, icc: bytes | None) -> bytes | None:
    """The source's ICC profile, if it describes the output's colour space (RGB or grey), else none."""
    if not icc or len(icc) < 20:
        return None
    space = icc[16:20]
    if (space == b"RGB " and image.mode in ("RGB", "RGBA")) or (space == b"GRAY" and image.mode in ("L", "LA")):
        return icc
    return None


def estimate_jpeg_quality(image: Image.Image) -> int | None:
    """The libjpeg quality whose scaled standard luminance table best matches the source's."""
    tables = getattr(image, "quantization", None)
    if not tables or 0 not in tables:
        return None
    target, sums = sum(tables[0]), _table_sums()
    return min(range(100, 0, -1), key=lambda q: abs(sums[q] - target))  # ties: the higher quality


_STD_LUMINANCE = (
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
)  # fmt: skip


@functools.cache
def _table_sums() -> dict[int, int]:
    """Sum of libjpeg's luminance table at each quality (computed on first use, not at import)."""
    sums = {}
    for q in range(1, 101):
        scale = 5000 // q if q < 50 else 200 - 2 * q
        sums[q] = sum(min(max((v * scale + 50) // 100, 1), 255) for v in _STD_LUMINANCE)
    return sums


# What each output format carries besides pixels, decided here and never left to Pillow's
# savers, which otherwise copy the source's EXIF (orientation and GPS included), XMP, comments
# and TIFF tags from `image.info`. Outputs carry no EXIF and no XMP; ICC where the format can.
_WITH_ICC = ("jpg", "png", "webp", "tiff", "avif", "heic")
_NO_EXIF_XMP = {"exif": b"", "xmp": b""}
_METADATA = {fmt: _NO_EXIF_XMP for fmt in ("jpg", "png", "webp", "tiff", "avif")}
_METADATA["heic"] = {"exif": None, "xmp": None}  # pillow-heif: None writes none (b"" would be an empty box)


def metadata(image: Image.Image, fmt: str, icc: bytes | None) -> dict:
    """The saver options for every kind of metadata `fmt` can hold: the encoder's explicit decision."""
    options = dict(_METADATA.get(fmt, {}))
    if fmt in _WITH_ICC:
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

    def write(self, data) -> int:
        if self.limit is not None and self.tell() + len(data) > self.limit:
            raise OutputTooLarge(self.limit)
        return super().write(data)


def encode(
    image: Image.Image, fmt: str, quality: int, progressive: bool, icc: bytes | None, max_bytes: int | None = None
) -> bytes:
    out = CappedOutput(max_bytes)
    if fmt in ("jpg", "bmp"):
        image = flatten(image)
    image = bare(image)
    extra = metadata(image, fmt, icc)
    try:
        _save(image, out, fmt, quality, progressive, extra)
    except OssError:
        raise
    except (ValueError, OSError) as exc:  # an encoder's own limit (libwebp's partition size, say)
        raise too_large(f"The result cannot be encoded as {fmt} ({exc}); ask for a smaller size.") from None
    return out.getvalue()


def _save(image: Image.Image, out, fmt: str, quality: int, progressive: bool, extra: dict) -> None:
    if fmt == "jpg":
        image.save(out, "JPEG", quality=quality, progressive=progressive, optimize=progressive, **extra)
    elif fmt == "png":
        image.save(out, "PNG", compress_level=png_level(image.width * image.height), **extra)
    elif fmt == "webp":
        image.save(out, "WEBP", quality=quality, method=ENCODERS.webp_method, **extra)
    elif fmt == "bmp":
        image.save(out, "BMP")  # flattened above: readers ignore the alpha of Pillow's 32-bit BMPs
    elif fmt == "gif":
        image.save(out, "GIF")
    elif fmt == "tiff":
        image.save(out, "TIFF", compression="tiff_adobe_deflate", **extra)
    elif fmt == "avif":
        threads = ENCODERS.avif_threads or os.cpu_count() or 1
        image.save(out, "AVIF", quality=quality, speed=ENCODERS.avif_speed, max_threads=threads, **extra)
    elif fmt == "heic":
        _register("HEIF")
        image.save(out, "HEIF", quality=quality, enc_params={"preset": ENCODERS.heic_preset}, **extra)
    else:
        raise AssertionError(f"no encoder for {fmt}")


# zlib effort by output size: level 6 is 5x slower than level 1 for 10 % fewer bytes, worth it
# for web-sized images only (a 240 MP PNG at level 6 would take 80 s alone).
PNG_LEVELS = ((1_000_000, 6), (8_000_000, 3))  # up to these pixels, this level; beyond, level 1


def png_level(pixels: int) -> int:
    return next((level for limit, level in PNG_LEVELS if pixels <= limit), 1)


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


@dataclass
class Animation:
    frames: list  # full, composited frames: RGBA where the animation has transparency, else RGB
    durations: list[int]  # ms per frame
    loop: int | None  # 0 = forever; None = play once (a GIF without a loop extension)


def decode_frames(p: Probe, each=None) -> Animation:
    """Every frame, composited by Pillow (so source disposal methods are already applied), and
    passed through `each` as it is decoded: only the results are kept, never all source frames."""
    frames, durations = [], []
    image = p.image
    alpha = "transparency" in image.info or image.mode in ("RGBA", "LA", "PA")
    for index in range(p.frames):
        try:
            image.seek(index)
            alpha = alpha or image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
            frame = image.convert("RGBA" if alpha else "RGB")  # RGB: a third less to resample
        except Exception:  # a damaged later frame ends the animation; a damaged first one is an error
            if not frames:
                raise damaged() from None
            break
        frames.append(each(frame) if each else frame)
        durations.append(int(image.info.get("duration") or 100))
    return Animation(frames, durations, image.info.get("loop"))


def encode_animation(
    animation: Animation, fmt: str, quality: int, icc: bytes | None = None, max_bytes: int | None = None
) -> bytes:
    """Frames are whole pictures, so each replaces the last (disposal 2): the source's look exactly."""
    out = CappedOutput(max_bytes)
    first, rest = bare(animation.frames[0]), animation.frames[1:]
    if fmt == "gif":
        loop = {} if animation.loop is None else {"loop": animation.loop}
        # RGBA frames let Pillow's GIF writer store only what changed between frames (transparent
        # elsewhere): a third of the bytes of whole opaque frames, and faster than median-cut palettes.
        first, *rest = (f if f.mode == "RGBA" else f.convert("RGBA") for f in animation.frames)
        bare(first).save(
            out, "GIF", save_all=True, append_images=rest, duration=animation.durations, disposal=2, **loop
        )
    elif fmt == "webp":
        loop = 1 if animation.loop is None else animation.loop
        # libwebp trims transparent borders off delta frames and then drops the file's alpha
        # flag, so readers see an opaque animation; keyframes only keep the alpha.
        transparent = any("A" in f.getbands() and f.getchannel("A").getextrema()[0] < 255 for f in animation.frames)
        keyframes = {"kmax": 1} if transparent else {}
        first.save(
            out,
            "WEBP",
            save_all=True,
            append_images=rest,
            duration=animation.durations,
            loop=loop,
            quality=quality,
            method=ENCODERS.webp_method,
            **keyframes,
            **metadata(first, fmt, icc),
        )
    else:
        raise AssertionError(f"{fmt} is not an animated format")
    return out.getvalue()
