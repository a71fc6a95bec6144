"""info: OSS's JSON description of the stored image, read from its header only.

Every field is {"Name": {"value": "<string>"}}, keys sorted. EXIF tags use exiv2's names
(ExifTag, GPSTag, JPEGInterchangeFormat, ...) and formatting, as OSS's documented output does:
IFD0, the thumbnail IFD1, the Exif and the GPS IFDs are merged, IFD0 winning. A JPEG whose
EXIF does not state its resolution reports its JFIF density in EXIF's terms, as OSS does.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..codecs import formats
from .base import Action

if TYPE_CHECKING:
    from PIL import Image

    from ..codecs.decode import Probe

# Pillow's tag names where exiv2 (and so OSS) spells them differently.
_RENAMED = {
    0x8769: "ExifTag",
    0x8825: "GPSTag",
    0xA005: "InteroperabilityTag",
    0x0201: "JPEGInterchangeFormat",
    0x0202: "JPEGInterchangeFormatLength",
}
_SKIPPED = {0xEA1C, 0x927C, 0x02BC, 0x8773, 0x83BB}  # Padding, MakerNote, XMP, ICC, IPTC blobs
_GPS_REFS = {"N": "North", "S": "South", "E": "East", "W": "West"}
_MAX_ITEMS = 32  # longer arrays (strip offsets, tables) say nothing to a client
# JFIF density units (0 aspect ratio only, 1 per inch, 2 per cm) as EXIF ResolutionUnit values.
_JFIF_UNITS: dict[object, str] = {0: "1", 1: "2", 2: "3"}


def describe(source: Probe, nbytes: int) -> bytes:
    image, fmt, frames = source.image, source.format, source.frames
    fields = {}
    if formats.by_name(fmt).info_exif:  # OSS cannot read PNG EXIF
        fields.update(_exif_fields(image))
    for name, value in _jfif_fields(image.info).items():
        fields.setdefault(name, value)
    fields.update(
        FileSize=str(nbytes),
        Format=fmt,
        FrameCount=str(frames),
        ImageHeight=str(image.height),
        ImageWidth=str(image.width),
    )
    body = {name: {"value": value} for name, value in sorted(fields.items())}
    return json.dumps(body, ensure_ascii=False).encode()


def _jfif_fields(info: dict) -> dict[str, str]:
    unit = _JFIF_UNITS.get(info.get("jfif_unit"))
    density = info.get("jfif_density")
    if unit is None or not density or len(density) != 2:
        return {}
    x, y = density
    return {"ResolutionUnit": unit, "XResolution": f"{x}/1", "YResolution": f"{y}/1"}


def _exif_fields(image: Image.Image) -> dict[str, str]:
    from PIL import ExifTags  # the tag tables load when info is asked for, not at every cold start

    try:
        exif = image.getexif()
    except Exception:  # broken EXIF must not break info
        return {}
    fields: dict[str, str] = {}
    for ifd, names in (
        (ExifTags.IFD.IFD1, ExifTags.TAGS),
        (ExifTags.IFD.Exif, ExifTags.TAGS),
        (ExifTags.IFD.Interop, ExifTags.TAGS),
        (ExifTags.IFD.GPSInfo, ExifTags.GPSTAGS),
    ):
        try:
            tags = exif.get_ifd(ifd)
        except Exception:
            continue
        fields.update(_named(tags, names))
    fields.update(_named(exif, ExifTags.TAGS))
    return fields


def _named(tags: Mapping[int, Any], names: Mapping[int, str]) -> dict[str, str]:
    from PIL import ExifTags

    out = {}
    for tag, value in tags.items():
        name = _RENAMED.get(tag) if names is ExifTags.TAGS else None
        name = name or names.get(tag)
        if name is None or tag in _SKIPPED and names is ExifTags.TAGS:
            continue
        text = _format(name, value)
        if text is not None:
            out[name] = text
    return out


def _format(name: str, value: Any) -> str | None:
    if name in ("GPSLatitude", "GPSLongitude", "GPSDestLatitude", "GPSDestLongitude") and isinstance(value, tuple):
        return _degrees(value)
    if name.endswith("Ref") and name.startswith("GPS") and value in _GPS_REFS:
        return _GPS_REFS[value]
    if isinstance(value, bytes):
        if len(value) > _MAX_ITEMS:
            return None
        if all(32 <= b < 127 for b in value.rstrip(b"\0")) and value.rstrip(b"\0"):
            return value.rstrip(b"\0").decode("ascii")
        return " ".join(str(b) for b in value)
    if isinstance(value, tuple):
        if len(value) > _MAX_ITEMS:
            return None
        return " ".join(_scalar(v) for v in value)
    if isinstance(value, dict):
        return None
    return _scalar(value)


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return value.rstrip("\0")
    numerator = getattr(value, "numerator", None)
    if numerator is not None and not isinstance(value, int):
        return f"{value.numerator}/{value.denominator}"
    return str(value)


def _degrees(value: tuple) -> str:
    """exiv2-style `Ddeg M' S"` with zero minutes and seconds left out, as OSS prints `0deg `."""
    parts = [float(v) for v in value] + [0.0] * (3 - len(value))
    d, m, s = parts[:3]
    text = f"{_number(d)}deg "
    if m or s:
        text += f"{_number(m)}' "
    if s:
        text += f'{_number(s)}"'
    return text


def _number(x: float) -> str:
    return str(int(x)) if x == int(x) else f"{x:g}"


ACTION = Action(name="info", describe=describe, from_header=True)
