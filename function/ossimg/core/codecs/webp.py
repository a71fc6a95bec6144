"""Still WebP decoded by libwebp's advanced API: only a region, at a reduced scale, into memory
we own. Pillow's plugin always decodes the whole canvas, and copies it twice on the way (the
animation decoder's canvas, a bytes object, the image): 4 bytes a pixel three times over.

The library is the libwebp that Pillow's wheel ships (pillow.libs/), so nothing is added to
the layer; where it cannot be found, `available()` is false and Pillow's plugin is used.
"""

from __future__ import annotations

import ctypes
import functools
import glob
import math
import os
from typing import TYPE_CHECKING, NamedTuple

from PIL import Image

from ..pixels import parallel, strips

if TYPE_CHECKING:
    from .decode import Probe

DECODER_ABI_VERSION = 0x0209  # decode.h's WEBP_DECODER_ABI_VERSION (stable across libwebp 1.x)
MODE_RGB, MODE_RGBA = 0, 1  # WEBP_CSP_MODE
VP8_STATUS_OK = 0
LOSSY, LOSSLESS = 1, 2  # WebPBitstreamFeatures.format


class _Features(ctypes.Structure):
    _fields_ = [
        ("width", ctypes.c_int),
        ("height", ctypes.c_int),
        ("has_alpha", ctypes.c_int),
        ("has_animation", ctypes.c_int),
        ("format", ctypes.c_int),
        ("pad", ctypes.c_uint32 * 5),
    ]


class _RGBABuffer(ctypes.Structure):
    _fields_ = [("rgba", ctypes.c_void_p), ("stride", ctypes.c_int), ("size", ctypes.c_size_t)]


class _YUVABuffer(ctypes.Structure):
    _fields_ = [
        ("y", ctypes.c_void_p),
        ("u", ctypes.c_void_p),
        ("v", ctypes.c_void_p),
        ("a", ctypes.c_void_p),
        ("y_stride", ctypes.c_int),
        ("u_stride", ctypes.c_int),
        ("v_stride", ctypes.c_int),
        ("a_stride", ctypes.c_int),
        ("y_size", ctypes.c_size_t),
        ("u_size", ctypes.c_size_t),
        ("v_size", ctypes.c_size_t),
        ("a_size", ctypes.c_size_t),
    ]


class _Buffers(ctypes.Union):
    _fields_ = [("RGBA", _RGBABuffer), ("YUVA", _YUVABuffer)]


class _DecBuffer(ctypes.Structure):
    _fields_ = [
        ("colorspace", ctypes.c_int),
        ("width", ctypes.c_int),
        ("height", ctypes.c_int),
        ("is_external_memory", ctypes.c_int),
        ("u", _Buffers),
        ("pad", ctypes.c_uint32 * 4),
        ("private_memory", ctypes.c_void_p),
    ]


class _Options(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_int)
        for name in (
            "bypass_filtering",
            "no_fancy_upsampling",
            "use_cropping",
            "crop_left",
            "crop_top",
            "crop_width",
            "crop_height",
            "use_scaling",
            "scaled_width",
            "scaled_height",
            "use_threads",
            "dithering_strength",
            "flip",
            "alpha_dithering_strength",
        )
    ] + [("pad", ctypes.c_uint32 * 5)]


class _Config(ctypes.Structure):
    _fields_ = [("input", _Features), ("output", _DecBuffer), ("options", _Options)]


@functools.cache
def _library() -> ctypes.CDLL | None:
    import PIL

    folder = os.path.join(os.path.dirname(os.path.dirname(PIL.__file__)), "pillow.libs")
    candidates = sorted(glob.glob(os.path.join(folder, "libwebp-*.so*"))) or ["libwebp.so.7"]
    for path in candidates:
        try:
            lib = ctypes.CDLL(path)
            lib.WebPInitDecoderConfigInternal.argtypes = [ctypes.POINTER(_Config), ctypes.c_int]
            lib.WebPGetFeaturesInternal.argtypes = [
                ctypes.c_char_p,
                ctypes.c_size_t,
                ctypes.POINTER(_Features),
                ctypes.c_int,
            ]
            lib.WebPDecode.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(_Config)]
            lib.WebPFreeDecBuffer.argtypes = [ctypes.POINTER(_DecBuffer)]
            if lib.WebPInitDecoderConfigInternal(ctypes.byref(_Config()), DECODER_ABI_VERSION):
                return lib
        except (OSError, AttributeError):
            continue
    return None


def available() -> bool:
    return _library() is not None


class Features(NamedTuple):
    width: int
    height: int
    alpha: bool
    animated: bool
    lossless: bool


def features(data: bytes) -> Features | None:
    """What the bitstream header says (None if libwebp cannot read it)."""
    lib = _library()
    found = _Features()
    if lib is None or lib.WebPGetFeaturesInternal(data, len(data), ctypes.byref(found), DECODER_ABI_VERSION):
        return None
    return Features(found.width, found.height, bool(found.has_alpha), bool(found.has_animation), found.format == 2)


def handles(probe: Probe) -> bool:
    """Every still WebP (animations go through Pillow's plugin)."""
    return True


def holds_whole(data: bytes) -> bool:
    """A lossless WebP is decoded whole inside libwebp, whatever part of it is asked for."""
    found = features(data)
    return bool(found and found.lossless)


class Decoded(NamedTuple):
    image: Image.Image
    box: tuple[float, float, float, float]  # the region asked for, in the decoded image's pixels


def decode(
    data: bytes,
    box: tuple[int, int, int, int] | None = None,
    target: tuple[int, int] | None = None,
    reducing_gap: float = strips.REDUCING_GAP,
) -> Decoded:
    """The still WebP in `data`, cut to `box` (whole image: None) and, with `target`, reduced by
    libwebp's area-averaging rescaler to whole factors of it that leave at least `reducing_gap`
    times the target for LANCZOS to finish. RGB or RGBA; the pixels live in a buffer of our own,
    mapped by the image without a copy (so the image is read-only: writers copy it first)."""
    lib = _library()
    info = features(data)
    if lib is None or info is None or info.animated:
        raise ValueError("not a still WebP that libwebp can decode")
    x0, y0, x1, y1 = box or (0, 0, info.width, info.height)
    left, top = x0 & ~1, y0 & ~1  # libwebp snaps a crop's origin to even pixels (4:2:0 chroma)
    width, height = x1 - left, y1 - top
    out_w, out_h = width, height
    if target:
        factor_x = max(1, int((x1 - x0) / target[0] / reducing_gap))
        factor_y = max(1, int((y1 - y0) / target[1] / reducing_gap))
        out_w, out_h = math.ceil(width / factor_x), math.ceil(height / factor_y)
    config = _Config()
    lib.WebPInitDecoderConfigInternal(ctypes.byref(config), DECODER_ABI_VERSION)
    options = config.options
    if (left, top, width, height) != (0, 0, info.width, info.height):
        options.use_cropping, options.crop_left, options.crop_top = 1, left, top
        options.crop_width, options.crop_height = width, height
    if (out_w, out_h) != (width, height):
        options.use_scaling, options.scaled_width, options.scaled_height = 1, out_w, out_h
    options.use_threads = int(parallel.workers() > 1)  # the loop filter in a second thread (lossy)
    mode, channels = ("RGBA", 4) if info.alpha else ("RGB", 4)
    pixels = bytearray(out_w * out_h * channels)
    output = config.output
    output.colorspace = MODE_RGBA  # 4 bytes a pixel: Pillow's own layout for RGB (RGBX) and RGBA
    output.is_external_memory = 1
    output.u.RGBA.rgba = ctypes.addressof(ctypes.c_char.from_buffer(pixels))
    output.u.RGBA.stride = out_w * channels
    output.u.RGBA.size = len(pixels)
    status = lib.WebPDecode(data, len(data), ctypes.byref(config))
    lib.WebPFreeDecBuffer(ctypes.byref(output))
    if status != VP8_STATUS_OK:
        raise ValueError(f"libwebp could not decode the image (status {status})")
    image = Image.frombuffer(mode, (out_w, out_h), pixels, "raw", "RGBA" if info.alpha else "RGBX", 0, 1)
    scale_x, scale_y = width / out_w, height / out_h
    return Decoded(image, ((x0 - left) / scale_x, (y0 - top) / scale_y, (x1 - left) / scale_x, (y1 - top) / scale_y))
