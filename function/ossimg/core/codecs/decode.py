"""Bytes to pixels: read a header without decoding, then decode only what is needed.

Only the formats OSS accepts are opened, and each Pillow plugin (and pillow-heif) is imported
the first time a file of its format arrives: a plugin-per-format registry keyed by magic bytes.
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Callable
from typing import Any, NamedTuple

from PIL import Image, ImageFile

from ..errors import damaged, too_large, unsupported_format
from ..pixels import strips
from . import formats

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
TRANSPOSING = (5, 6, 7, 8)  # EXIF orientations that swap width and height
Box = tuple[float, float, float, float]


class Probe:
    """What the header says; `image` is opened but not decoded. What the encoder needs from the
    source (its profile, its JPEG quality) is read here, so the image can be let go once decoded."""

    __slots__ = ("image", "format", "frames", "orientation", "icc", "quality", "data")

    def __init__(
        self,
        image: ImageFile.ImageFile,
        format: str,  # noqa: A002
        frames: int,
        orientation: int,
        icc: bytes | None = None,
        quality: int | None = None,
        data: bytes = b"",
    ):
        self.image = image
        self.format: str = format  # OSS's name for it (see formats)
        self.frames: int = frames
        self.orientation: int = orientation
        self.icc: bytes | None = icc
        self.quality: int | None = quality  # the source's JPEG quality, estimated from its tables
        self.data: bytes = data  # the file, for decoders that read it themselves (libwebp)

    @property
    def size(self) -> tuple[int, int]:
        return self.image.size

    @property
    def kind(self) -> formats.Format:
        return formats.by_name(self.format)

    @property
    def transposed(self) -> bool:
        return self.orientation in (5, 6, 7, 8)

    def upright_size(self, orient: bool) -> tuple[int, int]:
        w, h = self.image.size
        return (h, w) if orient and self.transposed else (w, h)

    def release(self) -> None:
        """Let the opened file go: once decoded, its pixels belong to the decoded image alone."""
        del self.image

    @property
    def sequential(self) -> bool:
        """Rows decode top to bottom (a baseline JPEG, a non-interlaced PNG), so a decode can stop early."""
        top_down = self.kind.top_down
        return bool(top_down and top_down(self.image))


def probe(data: bytes) -> Probe:
    kind = formats.sniff(data)
    if kind is None:
        raise unsupported_format()
    kind.load_plugin()
    try:
        try:
            image = _open(data, kind.pillow)
        except Image.DecompressionBombError:
            # Header only, Pillow's net off: our limits refuse it next, with OSS's precise code.
            image = _open(data, kind.pillow, pillow_guard=False)
        kind = formats.for_pillow(image.format or "")
        frames = getattr(image, "n_frames", 1) if kind.animated else 1
        orientation = 1 if kind.orients_itself else _orientation(image, kind)
    except Exception:  # whatever a malformed header makes a decoder raise, the file is at fault
        raise (damaged(kind.damaged_ec) if kind.damaged_ec else unsupported_format()) from None
    icc = image.info.get("icc_profile")
    return Probe(image, kind.name, frames, orientation, icc, estimate_jpeg_quality(image), data)


def _open_header(fp: io.BytesIO, pillow_id: str) -> ImageFile.ImageFile:
    """What Image.open does for one known format: the plugin's registered factory reads the header.
    (Image.open would first import five plugins we may not need, on every cold start; its size
    guard is not needed either: our limits are checked from the header before anything decodes.)"""
    factory, accept = Image.OPEN[pillow_id]
    prefix = fp.read(16)
    fp.seek(0)
    if accept and not accept(prefix):
        raise SyntaxError(f"not a {pillow_id} file")
    return factory(fp, "")


def _open(data: bytes, fmt: str, pillow_guard: bool = True) -> ImageFile.ImageFile:
    """Image.open (which reads the header only), quiet about sizes our own limits judge next."""
    guard = Image.MAX_IMAGE_PIXELS
    if not pillow_guard:
        Image.MAX_IMAGE_PIXELS = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return _open_header(io.BytesIO(data), fmt)
    finally:
        Image.MAX_IMAGE_PIXELS = guard


def _orientation(image: Image.Image, kind: formats.Format) -> int:
    if not image.info.get("exif"):
        return 1  # no EXIF block in the header: nothing to parse (and no TIFF reader to load)
    try:
        if kind.exif_in_header:
            exif = image.getexif()  # JPEG, WebP: read with the header
        else:
            # Only an EXIF block before the pixels counts: Pillow's getexif() would decode the
            # whole image (a PNG) to look for one after them.
            exif = Image.Exif()
            exif.load(image.info.get("exif") or b"")
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
    if _by_region_decoder(p):
        image = _region(p, None, None).image
        return normalised(image) if normalise else image
    image = p.image
    if at_least and p.kind.scales_on_load:
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
        raise damaged(p.kind.damaged_ec) from None


def decode_region(
    p: Probe, box: Box | None, target: tuple[int, int] | None = None
) -> tuple[Image.Image, tuple[float, float, float, float] | None]:
    """The first frame as decoded (not normalised), holding at least the part `box` (None: all)
    at no less than `target` (None: full scale); and where `box` is in the decoded image.

    WebP: libwebp decodes just the box, rescaled. JPEG: DCT scaling to one pixel more than the
    target (so LANCZOS always finishes the shrink). Top-down formats stop at the box's bottom row.
    """
    width, height = p.size
    if _by_region_decoder(p):
        decoded = _region(p, box, target)
        return decoded.image, decoded.box
    at_least = None
    if target:
        bw, bh = (box[2] - box[0], box[3] - box[1]) if box else (width, height)
        at_least = (int(-(-(target[0] + 1) * width // bw)), int(-(-(target[1] + 1) * height // bh)))
    image = decode(p, at_least=at_least, rows=math.ceil(box[3]) if box else None, normalise=False)
    scale = max(1, round(width / image.width))
    return image, (box[0] / scale, box[1] / scale, box[2] / scale, box[3] / scale) if box else None


def _by_region_decoder(p: Probe) -> bool:
    decoder = p.kind.region_decoder
    return decoder is not None and p.frames == 1 and decoder.available() and decoder.handles(p)


def _region(p: Probe, box: Box | None, target: tuple[int, int] | None) -> Any:
    decoder = p.kind.region_decoder
    assert decoder is not None, "only asked when _by_region_decoder(p)"
    try:
        return decoder.decode(p.data, box, target)
    except ValueError:
        raise damaged(p.kind.damaged_ec) from None


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
        srgb = ImageCms.profileToProfile(image, profile, ImageCms.createProfile("sRGB"), outputMode="RGB")
        return srgb if srgb is not None else image.convert("RGB")  # None only when converting in place
    except Exception:  # an unreadable profile: the plain conversion is the best left
        return image.convert("RGB")


def estimate_jpeg_quality(image: Image.Image) -> int | None:
    """The libjpeg quality whose scaled standard luminance table best matches the source's."""
    tables = getattr(image, "quantization", None)
    if not tables or 0 not in tables:
        return None
    target = sum(tables[0])
    return min(range(100, 0, -1), key=lambda q: abs(LUMINANCE_SUMS[q - 1] - target))  # ties: the higher quality


_STD_LUMINANCE = (
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
)  # fmt: skip


def luminance_sum(quality: int) -> int:
    """Sum of libjpeg's luminance table scaled to `quality`, as libjpeg scales it."""
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    return sum(min(max((v * scale + 50) // 100, 1), 255) for v in _STD_LUMINANCE)


# luminance_sum(1) .. luminance_sum(100), written out: computing them cost every cold start 4 ms.
LUMINANCE_SUMS = (
    16320, 16315, 15946, 15277, 14655, 14073, 13623, 13230, 12859, 12560, 12240, 11861, 11456, 11081, 10714, 10360,
    10027, 9679, 9368, 9056, 8680, 8331, 7995, 7668, 7376, 7084, 6823, 6562, 6345, 6125, 5939, 5756, 5571, 5421, 5240,
    5086, 4976, 4829, 4719, 4616, 4463, 4393, 4280, 4166, 4092, 3980, 3909, 3835, 3755, 3688, 3621, 3541, 3467, 3396,
    3323, 3247, 3170, 3096, 3021, 2952, 2874, 2804, 2727, 2657, 2583, 2509, 2437, 2362, 2290, 2211, 2136, 2068, 1996,
    1915, 1858, 1773, 1692, 1620, 1552, 1477, 1398, 1326, 1251, 1179, 1109, 1031, 961, 884, 814, 736, 667, 592, 518,
    441, 369, 292, 221, 151, 86, 64,
)  # fmt: skip


class Animation(NamedTuple):
    frames: list[Image.Image]  # full, composited frames: RGBA where the animation has transparency, else RGB
    durations: list[int]  # ms per frame
    loop: int | None  # 0 = forever; None = play once (a GIF without a loop extension)


def decode_frames(p: Probe, each: Callable[[Image.Image], Image.Image] | None = None) -> Animation:
    """Every frame, composited by Pillow (so source disposal methods are already applied), and
    passed through `each` as it is decoded: only the results are kept, never all source frames."""
    frames: list[Image.Image] = []
    durations: list[int] = []
    image = p.image
    alpha = "transparency" in image.info or image.mode in ("RGBA", "LA", "PA")
    for index in range(p.frames):
        try:
            image.seek(index)
            alpha = alpha or image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
            frame = image.convert("RGBA" if alpha else "RGB")  # RGB: a third less to resample
        except Exception:  # a damaged later frame ends the animation; a damaged first one is an error
            if not frames:
                raise damaged(p.kind.damaged_ec) from None
            break
        frames.append(each(frame) if each else frame)
        durations.append(int(image.info.get("duration") or 100))
    return Animation(frames, durations, image.info.get("loop"))
