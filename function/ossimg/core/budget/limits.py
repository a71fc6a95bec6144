"""Limits, with OSS's defaults (the configuration may change them); all checked before decoding."""

from __future__ import annotations

from typing import NamedTuple

from ..codecs import formats
from ..errors import OssError, too_large


class Limits(NamedTuple):
    max_source_bytes: int = 20 * 1024 * 1024  # MAX_SOURCE_BYTES
    max_source_side: int = 30_000  # MAX_SOURCE_SIDE
    max_source_pixels: int = 250_000_000  # MAX_SOURCE_PIXELS, all frames counted
    max_rotate_side: int = 4096  # MAX_ROTATE_SIDE, rotate and EXIF auto-orient
    max_resize_side: int = 16384  # MAX_RESIZE_SIDE
    max_resize_pixels: int = 16_777_216  # MAX_RESIZE_PIXELS
    max_webp_side: int = 16383  # MAX_WEBP_SIDE
    max_avif_pixels: int = 4096 * 2304  # MAX_AVIF_PIXELS
    max_heic_side: int = 4096  # MAX_HEIC_SIDE
    max_frames: int = 1000  # MAX_FRAMES, frames of an animated GIF or WebP

    def check_bytes(self, nbytes: int) -> None:
        if nbytes > self.max_source_bytes:
            raise too_large(
                f"The source image is {nbytes} bytes; the limit is {self.max_source_bytes} bytes.",
                "0040-00000001",
            )

    def check_source(self, fmt: str, size: tuple[int, int], frames: int, nbytes: int) -> None:
        self.check_bytes(nbytes)
        cap, ec = formats.by_name(fmt).source_side  # a format's own cap (TIFF, AVIF) and OSS's code for it
        side = min(cap or self.max_source_side, self.max_source_side)
        w, h = size
        if frames > self.max_frames:
            raise too_large(f"The animation has {frames} frames; the limit is {self.max_frames}.")
        if w > side or h > side:
            raise too_large(f"The source image is {w}x{h}; each side must be at most {side} px.", ec)
        if w * h * frames > self.max_source_pixels:
            raise too_large(
                f"The source image has {w}x{h}x{frames} pixels; the limit is {self.max_source_pixels}.",
                "0040-00000012",
            )

    def check_rotation(self, size: tuple[int, int]) -> None:
        if max(size) > self.max_rotate_side:
            raise too_large(
                "Picture exceed the maximum allowable rotation range "
                f"({size[0]}x{size[1]}; each side must be at most {self.max_rotate_side} px; "
                "add auto-orient,0 to keep the stored orientation).",
                "0040-00000006",
            )

    def check_resize(self, size: tuple[int, int]) -> None:
        w, h = size
        if max(w, h) > self.max_resize_side or w * h > self.max_resize_pixels:
            raise too_large(
                f"The resized image would be {w}x{h}; each side must be at most {self.max_resize_side} px "
                f"and the area at most {self.max_resize_pixels} px.",
                "0040-00000007",
            )

    def allows_output(self, fmt: str, size: tuple[int, int], source_size: tuple[int, int]) -> bool:
        try:
            self.check_output(fmt, size, source_size)
        except OssError:
            return False
        return True

    def check_output(self, fmt: str, size: tuple[int, int], source_size: tuple[int, int]) -> None:
        cap = formats.by_name(fmt).output_cap
        if cap is None:
            return
        bound = getattr(self, cap.limit)
        for w, h in (size, source_size) if cap.on_source else (size,):
            if (max(w, h) if cap.measure == "side" else w * h) > bound:
                raise too_large(cap.message.format(limit=bound, w=w, h=h), cap.ec)
