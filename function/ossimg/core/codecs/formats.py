"""Every image format the service reads or writes, one record each: what it is called, how it is
recognised and loaded, what it can hold, how it is written, what it costs. Everything else asks
the record (`by_name`, `for_pillow`, `sniff`); adding a format is one record here and its tests.
"""

from __future__ import annotations

import importlib
import io
import os
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple, cast

if TYPE_CHECKING:
    from PIL import Image, ImageFile

Size = tuple[int, int]


EMPTY: Mapping[str, Any] = MappingProxyType({})  # a default mapping no caller can change


class EncoderSettings(NamedTuple):
    """Per-format encoder effort, chosen with `make bench` (see the README)."""

    webp_method: int = 4  # WEBP_METHOD: 0 fast .. 6 small; 4 is libwebp's balance (2: -45% time, +4% bytes)
    avif_speed: int = 8  # AVIF_SPEED: 0 small .. 10 fast; 8: 2.7x faster than 6 for +8% bytes
    avif_threads: int = 0  # AVIF_THREADS: 0 = one per CPU
    heic_preset: str = "ultrafast"  # HEIC_PRESET: x265 preset; ultrafast is 4x faster than medium for +9% bytes


class Save(NamedTuple):
    """What one encode is asked for, beside the pixels."""

    quality: int
    progressive: bool
    encoders: EncoderSettings
    metadata: dict[str, Any]  # the explicit metadata options (profile, no EXIF, no XMP)


class FormatCost(NamedTuple):
    """A format's decoder and encoder: bytes a pixel beyond the image itself, and ns a pixel."""

    decode_bytes: float  # the decoder's own buffers, per decoded pixel, on top of the image
    decode_ns: float
    encode_bytes: float  # the encoder's buffers per output pixel (the output file is counted apart)
    encode_ns: float
    alpha_bytes: float = 0.0  # more per output pixel when the output has alpha (a separate alpha plane)
    progressive_bytes: float = 0.0  # more per output pixel for a progressive (optimised) encode
    animation_bytes: float = 0.0  # the animation writer's buffers: per output pixel of every frame (GIF)
    frame_bytes: float = 0.0  # ... or per output pixel of one frame (libwebp's animation encoder)
    animation_decode_bytes: float = 16.0  # decoding a frame: the canvas, the previous one, our copy
    level_ns: Callable[[int], float] | None = None  # encode ns a pixel by output pixels (zlib's level)


class OutputCap(NamedTuple):
    """A format's bound on its outputs: which configured limit, over what, and OSS's answer past it."""

    limit: str  # the Limits field holding the bound (max_webp_side: MAX_WEBP_SIDE)
    measure: str  # "side": the longer side; "pixels": width x height
    message: str  # formatted with the bound as {limit} and the refused size as {w}, {h}
    ec: str | None = None
    on_source: bool = False  # the source must pass it too (OSS: WebP conversion)


class Format(NamedTuple):
    name: str  # OSS's name, in format,<name>
    mime: str
    pillow: str  # Pillow's id, to open and save
    magic: Callable[[bytes], bool]  # whether a file's first bytes are this format
    save: Callable[[Image.Image, io.BytesIO, Save], None]
    cost: FormatCost
    aliases: tuple[str, ...] = ()  # other names format,<alias> accepts
    pillow_ids: tuple[str, ...] = ()  # more ids Pillow reports for files of this format
    plugin: str = ""  # the module that teaches Pillow the format, imported on the first file of it
    alpha: bool = True  # keeps transparency (else it is flattened on white)
    animated: bool = False  # can hold an animation
    icc: bool = True  # can carry an ICC profile
    no_metadata: Mapping[str, Any] = EMPTY  # saver options that write no EXIF and no XMP
    default_quality: int | None = None  # without quality,Q_/q_ (and a JPEG/WebP source's own)
    orients_itself: bool = False  # the decoder applies orientation (EXIF is not applied again)
    source_side: tuple[int | None, str] = (None, "0040-00000009")  # cap on a source's sides, and its EC
    output_cap: OutputCap | None = None  # how big an output may be (a configured limit)
    damaged_ec: str | None = None  # OSS's code for a file of this format that cannot be decoded (else 0040-00000005)
    alpha_not_to: tuple[str, ...] = ()  # output formats a source of this format with alpha may not become
    save_animation: Callable[[list[Image.Image], list[int], int | None, io.BytesIO, Save], None] | None = None
    negotiable: int = 0  # offered by Accept when no format is named (auto-format): 1 first, 2 next; 0 never
    watermark: bool = True  # may be a watermark image
    scales_on_load: bool = False  # the decoder can shrink while decoding (JPEG's DCT scaling: Pillow's draft)
    top_down: Callable[[ImageFile.ImageFile], bool] | None = None  # whether this file's rows decode top to bottom
    # A decoder of just a region, rescaled, for still images: a module with available(),
    # handles(probe), decode(data, box, target) and holds_whole(data); optionally held_bytes(probe,
    # box, target) and read_ns(probe, box), what it holds beside the result and how long it reads,
    # and EXACT_REGION, whether any origin is decoded as asked (see webp, tiff_jpeg, png).
    region_decoder: _Lazy | None = None
    exif_in_header: bool = True  # EXIF is read with the header (PNG: only an eXIf chunk before the pixels)
    # Its header, read from the file's first bytes, says all that limits and image/info need (JPEG,
    # PNG, BMP; HEIC and AVIF with `metadata_at`). Not so: GIF counts frames by walking them,
    # Pillow's WebP reader takes the whole file, a TIFF's directories may be anywhere.
    header_first: bool = False
    # A module whose metadata_extents(head) says where else the header's metadata lies (libheif
    # writes EXIF after the pixels): read as further small ranges, the rest left unread.
    metadata_at: _Lazy | None = None
    info_exif: bool = True  # image/info lists its EXIF (OSS does not read PNG's)
    only_from_itself: bool = False  # format,<it> on another format's source keeps the source's format
    relative_quality: bool = False  # quality,q_ multiplies the source's quality (else it acts as Q)
    keeps_source_quality: bool = False  # without quality, the source's own (estimated) quality is kept

    def load_plugin(self) -> None:
        if self.plugin:
            module = importlib.import_module(self.plugin)
            if hasattr(module, "register_heif_opener"):
                module.register_heif_opener()


class _Lazy:
    """A module imported when first used: libwebp's binding loads ctypes, which most requests never need."""

    def __init__(self, name: str):
        self.name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self.name, __package__), attribute)


_NO_EXIF_XMP = {"exif": b"", "xmp": b""}


def _write(image: Image.Image, out: io.BytesIO, extension: str, **params: Any) -> None:
    """image.save with the format named by the output's file name: Pillow then imports only that
    format's plugin (given a format argument, it first imports five others, on every cold start)."""
    out.name = f"image.{extension}"
    image.save(out, **params)


def _jpeg(image: Image.Image, out: io.BytesIO, s: Save) -> None:
    _write(image, out, "jpg", quality=s.quality, progressive=s.progressive, optimize=s.progressive, **s.metadata)


# zlib effort by output size: level 6 is 5x slower than level 1 for 10 % fewer bytes, worth it
# for web-sized images only (a 240 MP PNG at level 6 would take 80 s alone).
PNG_LEVELS = ((1_000_000, 6), (8_000_000, 3))  # up to these pixels, this level; beyond, level 1


def png_level(pixels: int) -> int:
    return next((level for limit, level in PNG_LEVELS if pixels <= limit), 1)


def _png_ns(pixels: int) -> float:
    return {6: 420, 3: 130, 1: 85}[png_level(pixels)]  # a photo; flat images are faster


def _jpeg_top_down(image: ImageFile.ImageFile) -> bool:
    return len(image.tile) == 1 and not image.info.get("progressive")


def _png_top_down(image: ImageFile.ImageFile) -> bool:
    return len(image.tile) == 1 and not image.info.get("interlace")


Z_RLE = 3  # zlib's run-length strategy (compress_type)
PHOTO_COLOURS = 1024  # more distinct colours than this in a 128x128 sample: photographic content


def _png(image: Image.Image, out: io.BytesIO, s: Save) -> None:
    # Photographs and cut-outs, once PNG's row filters have run, leave zlib little to find beyond
    # runs: Z_RLE is 3-5x faster than level 6 for under 2 % more bytes. Graphics (flat colours,
    # text) keep zlib's full search, which halves them.
    strategy = {"compress_type": Z_RLE} if _photographic(image) else {}
    _write(image, out, "png", compress_level=png_level(image.width * image.height), **strategy, **s.metadata)


def _photographic(image: Image.Image) -> bool:
    if image.mode in ("P", "1", "L", "LA", "PA", "I", "I;16"):
        return False
    sample = image if image.width * image.height <= 128 * 128 else image.resize((128, 128), 0)  # nearest
    return sample.getcolors(PHOTO_COLOURS) is None


def _webp(image: Image.Image, out: io.BytesIO, s: Save) -> None:
    _write(image, out, "webp", quality=s.quality, method=s.encoders.webp_method, **s.metadata)


def _bmp(image: Image.Image, out: io.BytesIO, s: Save) -> None:
    if "A" in image.getbands():
        _bmp_with_alpha(image if image.mode == "RGBA" else image.convert("RGBA"), out)
    else:
        _write(image, out, "bmp")


# Pillow writes RGBA as a 32-bit BI_RGB bitmap, whose fourth byte readers (Pillow included) take
# as padding. Alpha that readers honour needs a V5 header with BI_BITFIELDS masks naming it.
_BMP_V5_HEADER = 124
_BI_BITFIELDS = 3
_LCS_SRGB = 0x73524742  # 'sRGB'
_LCS_GM_IMAGES = 4
_PER_METRE_72_DPI = 2835
_BMP_BAND_BYTES = 1 << 20  # rows are converted a band at a time: one band of BGRA aside, not the image


def _bmp_with_alpha(image: Image.Image, out: io.BytesIO) -> None:
    import struct

    w, h = image.size
    pixels = 4 * w * h
    offset = 14 + _BMP_V5_HEADER
    out.write(struct.pack("<2sIHHI", b"BM", offset + pixels, 0, 0, offset))
    out.write(
        struct.pack(
            "<IiiHHIIiiII4I I36x3I4I",
            _BMP_V5_HEADER, w, h, 1, 32, _BI_BITFIELDS, pixels, _PER_METRE_72_DPI, _PER_METRE_72_DPI, 0, 0,
            0x00FF0000, 0x0000FF00, 0x000000FF, 0xFF000000,  # red, green, blue, alpha masks
            _LCS_SRGB, 0, 0, 0,  # no gamma: sRGB
            _LCS_GM_IMAGES, 0, 0, 0,  # no profile
        )
    )  # fmt: skip
    rows = max(1, _BMP_BAND_BYTES // (4 * w))
    for bottom in range(h, 0, -rows):  # a bitmap stores its bottom row first
        band = image.crop((0, max(0, bottom - rows), w, bottom))
        out.write(band.tobytes("raw", "BGRA", 0, -1))


def _gif(image: Image.Image, out: io.BytesIO, s: Save) -> None:
    _write(image, out, "gif")


def _tiff(image: Image.Image, out: io.BytesIO, s: Save) -> None:
    _write(image, out, "tiff", compression="tiff_adobe_deflate", **s.metadata)


def _avif(image: Image.Image, out: io.BytesIO, s: Save) -> None:
    threads = s.encoders.avif_threads or os.cpu_count() or 1
    _write(image, out, "avif", quality=s.quality, speed=s.encoders.avif_speed, max_threads=threads, **s.metadata)


def _heic(image: Image.Image, out: io.BytesIO, s: Save) -> None:
    _write(image, out, "heic", quality=s.quality, enc_params={"preset": s.encoders.heic_preset}, **s.metadata)


def _gif_animation(frames: list[Image.Image], durations: list[int], loop: int | None, out: io.BytesIO, s: Save) -> None:
    # RGBA frames let Pillow's GIF writer store only what changed between frames (transparent
    # elsewhere): a third of the bytes of whole opaque frames, and faster than median-cut palettes.
    first, *rest = (f if f.mode == "RGBA" else f.convert("RGBA") for f in frames)
    looping = {} if loop is None else {"loop": loop}
    _write(first, out, "gif", save_all=True, append_images=rest, duration=durations, disposal=2, **looping)


def _lowest(band: Image.Image) -> int:
    return cast("tuple[int, int]", band.getextrema())[0]  # one band: (min, max)


def _webp_animation(
    frames: list[Image.Image], durations: list[int], loop: int | None, out: io.BytesIO, s: Save
) -> None:
    # libwebp trims transparent borders off delta frames and then drops the file's alpha flag, so
    # readers see an opaque animation; keyframes only keep the alpha.
    transparent = any("A" in f.getbands() and _lowest(f.getchannel("A")) < 255 for f in frames)
    keyframes = {"kmax": 1} if transparent else {}
    _write(
        frames[0],
        out,
        "webp",
        save_all=True,
        append_images=frames[1:],
        duration=durations,
        loop=1 if loop is None else loop,
        quality=s.quality,
        method=s.encoders.webp_method,
        **keyframes,
        **s.metadata,
    )


def _is_isobmff(data: bytes, avif: bool) -> bool:
    if data[4:8] != b"ftyp":
        return False
    box = data[8 : max(16, min(int.from_bytes(data[:4], "big"), 64))]
    brands = {box[i : i + 4] for i in range(0, len(box), 4)}
    return bool(brands & {b"avif", b"avis"}) == avif


REGISTRY: tuple[Format, ...] = (
    Format(
        "jpg", "image/jpeg", "JPEG", lambda d: d[:3] == b"\xff\xd8\xff", _jpeg,
        FormatCost(0.1, 4, 0.3, 4, progressive_bytes=3.5),  # libjpeg keeps every coefficient to order the scans
        aliases=("jpeg",), pillow_ids=("MPO",), plugin="PIL.JpegImagePlugin", alpha=False,
        no_metadata=_NO_EXIF_XMP, default_quality=85, source_side=(None, "0040-00000019"),
        scales_on_load=True, top_down=_jpeg_top_down, relative_quality=True, keeps_source_quality=True,
        header_first=True,
    ),
    Format(
        "png", "image/png", "PNG", lambda d: d[:8] == b"\x89PNG\r\n\x1a\n", _png,
        FormatCost(0.1, 30, 0.2, 420, level_ns=_png_ns, animation_decode_bytes=0.0),  # Pillow's plugin: no canvas
        plugin="PIL.PngImagePlugin", no_metadata=_NO_EXIF_XMP, top_down=_png_top_down, exif_in_header=False,
        info_exif=False, region_decoder=_Lazy(".png"), header_first=True,  # libpng + zlib-ng in libvips (8-bit)
    ),
    Format(
        "webp", "image/webp", "WEBP", lambda d: d[:4] == b"RIFF" and d[8:12] == b"WEBP", _webp,
        # With alpha: a lossless plane beside the lossy one. Pillow's plugin (animations) holds the
        # canvas, the previous one and a bytes copy of each frame.
        FormatCost(0.1, 15, 9.0, 90, alpha_bytes=24.0, frame_bytes=24.0, animation_decode_bytes=12.0),
        plugin="PIL.WebPImagePlugin", animated=True, no_metadata=_NO_EXIF_XMP, default_quality=80,
        output_cap=OutputCap("max_webp_side", "side", "Maximum width and height allowed is {limit} pixels for "
                             "converting webp", "0040-00000011", on_source=True),
        damaged_ec="0040-00000010", negotiable=2,
        save_animation=_webp_animation, region_decoder=_Lazy(".webp"),
        keeps_source_quality=True,
    ),
    Format(
        "bmp", "image/bmp", "BMP", lambda d: d[:2] == b"BM", _bmp,
        FormatCost(2.0, 2, 0.1, 4),  # RLE: Pillow's decoder holds two more copies of the indices
        plugin="PIL.BmpImagePlugin", icc=False, source_side=(None, "0040-00000017"), header_first=True,
    ),
    Format(
        "gif", "image/gif", "GIF", lambda d: d[:4] == b"GIF8", _gif,
        FormatCost(0.5, 8, 10.0, 150, animation_bytes=7.0),  # the writer keeps every frame's palette image
        plugin="PIL.GifImagePlugin", animated=True, icc=False, watermark=False, save_animation=_gif_animation,
        only_from_itself=True,
    ),
    Format(
        "tiff", "image/tiff", "TIFF", lambda d: d[:4] in (b"II*\x00", b"MM\x00*"), _tiff, FormatCost(0.2, 15, 0.5, 80),
        plugin="PIL.TiffImagePlugin", no_metadata=_NO_EXIF_XMP, orients_itself=True,
        source_side=(16384, "0040-00000018"), region_decoder=_Lazy(".tiff_jpeg"),  # JPEG inside
    ),
    Format(
        "avif", "image/avif", "AVIF", lambda d: _is_isobmff(d, avif=True), _avif, FormatCost(2.0, 10, 22.0, 110),
        plugin="PIL.AvifImagePlugin", no_metadata=_NO_EXIF_XMP, default_quality=60,
        source_side=(10000, "0040-00000014"), negotiable=1, watermark=False, header_first=True,
        metadata_at=_Lazy(".isobmff"),
        output_cap=OutputCap("max_avif_pixels", "pixels", "An AVIF output may have at most {limit} pixels; this one "
                             "would be {w}x{h}.", "0040-00000014"),
        damaged_ec="0040-00000021",
    ),
    Format(
        "heic", "image/heic", "HEIF", lambda d: _is_isobmff(d, avif=False), _heic,
        FormatCost(4.0, 35, 24.0, 120, alpha_bytes=18.0),
        plugin="pillow_heif", default_quality=60, orients_itself=True, watermark=False, header_first=True,
        metadata_at=_Lazy(".isobmff"),
        output_cap=OutputCap("max_heic_side", "side", "A HEIC output may be at most {limit}x{limit}; this one would "
                             "be {w}x{h}."),
        source_side=(None, "0040-00000013"), damaged_ec="0040-00000020", alpha_not_to=("jpg",),
        no_metadata={"exif": None, "xmp": None},  # pillow-heif: None writes none (b"" is an empty box)
    ),
)  # fmt: skip

_BY_NAME = {name: f for f in REGISTRY for name in (f.name, *f.aliases)}
_BY_PILLOW = {pid: f for f in REGISTRY for pid in (f.pillow, *f.pillow_ids)}
NAMES = tuple(f.name for f in REGISTRY)


def by_name(name: str) -> Format:
    return _BY_NAME[name]


def for_pillow(pillow_id: str) -> Format:
    return _BY_PILLOW[pillow_id]


def sniff(data: bytes) -> Format | None:
    """The format a file's first bytes announce, among those the service reads."""
    return next((f for f in REGISTRY if f.magic(data)), None)


def negotiable() -> tuple[Format, ...]:
    """The formats auto-format may answer with, best first (AVIF is smaller than WebP)."""
    return tuple(sorted((f for f in REGISTRY if f.negotiable), key=lambda f: f.negotiable))
