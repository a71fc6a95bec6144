"""Limits, with OSS's defaults, overridable by environment; all checked before decoding."""

from __future__ import annotations

import os
from dataclasses import dataclass

from .config import from_env
from .errors import OssError, too_large

# Format-level caps OSS documents for sources (side, EC); other formats use MAX_SOURCE_SIDE.
SOURCE_SIDE_CAPS = {"tiff": (16384, "0040-00000018"), "avif": (10000, "0040-00000014")}
SOURCE_SIDE_EC = {"jpg": "0040-00000019", "bmp": "0040-00000017"}


@dataclass(frozen=True)
class Limits:
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

    @classmethod
    def from_env(cls, env=os.environ) -> Limits:
        return from_env(cls, env)

    def check_bytes(self, nbytes: int) -> None:
        if nbytes > self.max_source_bytes:
            raise too_large(
                f"The source image is {nbytes} bytes; the limit is {self.max_source_bytes} bytes.",
                "0040-00000001",
            )

    def check_source(self, fmt: str, size: tuple[int, int], frames: int, nbytes: int) -> None:
        self.check_bytes(nbytes)
        side, ec = SOURCE_SIDE_CAPS.get(fmt, (self.max_source_side, SOURCE_SIDE_EC.get(fmt, "0040-00000009")))
        side = min(side, self.max_source_side)
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
                "add auto-orient,0 to keep the stored orientation)."
            )

    def check_resize(self, size: tuple[int, int]) -> None:
        w, h = size
        if max(w, h) > self.max_resize_side or w * h > self.max_resize_pixels:
            raise too_large(
                f"The resized image would be {w}x{h}; each side must be at most {self.max_resize_side} px "
                f"and the area at most {self.max_resize_pixels} px.",
                "0040-00000007",
            )

    def allows_output(self, fmt: str, size: tuple[int, int]) -> bool:
        try:
            self.check_output(fmt, size)
        except OssError:
            return False
        return True

    def check_output(self, fmt: str, size: tuple[int, int]) -> None:
        w, h = size
        if fmt == "webp" and max(w, h) > self.max_webp_side:
            raise too_large(
                f"Maximum width and height allowed is {self.max_webp_side} pixels for converting webp",
                "0040-00000011",
            )
        if fmt == "avif" and w * h > self.max_avif_pixels:
            raise too_large(
                f"An AVIF output may have at most {self.max_avif_pixels} pixels; this one would be {w}x{h}.",
                "0040-00000014",
            )
        if fmt == "heic" and max(w, h) > self.max_heic_side:
            raise too_large(
                f"A HEIC output may be at most {self.max_heic_side}x{self.max_heic_side}; this one would be {w}x{h}."
            )
