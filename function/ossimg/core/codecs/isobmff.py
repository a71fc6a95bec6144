"""Where a HEIC's or AVIF's metadata items lie, read from its first bytes: the `meta` box (item
types in `iinf`, their places in `iloc`) comes before the pixels, but libheif writes the EXIF and
XMP items' data after them, at the end of `mdat`. So a header-only answer needs the first bytes
and those extents only: `metadata_extents` says which, or None when `meta` is not within the
bytes given (or is not laid out so), and the whole file is read instead.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

METADATA_ITEMS = (b"Exif", b"mime")  # EXIF, and XMP (a `mime` item)
MAX_EXTENTS = 64  # more metadata pieces than this: not worth ranged reads, the whole file is read


def metadata_extents(head: bytes) -> list[tuple[int, int]] | None:
    """(offset, length) of every metadata item's data in the file that `head` begins, or None."""
    meta = _child(head, 0, len(head), b"meta", top=True)
    if meta is None:
        return None
    start, end = meta
    start += 4  # a full box: version and flags
    types = _item_types(head, _child(head, start, end, b"iinf"))
    places = _item_places(head, _child(head, start, end, b"iloc"))
    if types is None or places is None:
        return None
    extents = [extent for item, kind in types.items() if kind in METADATA_ITEMS for extent in places.get(item, [])]
    return extents if len(extents) <= MAX_EXTENTS else None


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int | None]]:
    """(type, body start, body end) of each box from `start` to `end`; stops at one cut off."""
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            if pos + 16 > end:
                return
            size, header = struct.unpack_from(">Q", data, pos + 8)[0], 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            yield kind, pos + header, None  # runs past what we have
            return
        yield kind, pos + header, pos + size
        pos += size


def _child(data: bytes, start: int, end: int, kind: bytes, top: bool = False) -> tuple[int, int] | None:
    for found, body, body_end in _boxes(data, start, end):
        if found == kind:
            return (body, body_end) if body_end is not None else None
        if top and found == b"mdat":
            return None  # the pixels come first: meta, if any, is past the head
    return None


def _item_types(data: bytes, box: tuple[int, int] | None) -> dict[int, bytes] | None:
    """Item id -> item type, from `iinf` (its `infe` entries of version 2 or 3)."""
    if box is None:
        return None
    start, end = box
    version = data[start]
    pos = start + 4 + (2 if version == 0 else 4)  # full box, then the entry count
    types = {}
    for kind, body, body_end in _boxes(data, pos, end):
        if kind != b"infe" or body_end is None or data[body] not in (2, 3):
            return None
        wide = data[body] == 3
        item = struct.unpack_from(">I" if wide else ">H", data, body + 4)[0]
        at = body + 4 + (4 if wide else 2) + 2  # item id, then the protection index
        types[item] = bytes(data[at : at + 4])
    return types


def _item_places(data: bytes, box: tuple[int, int] | None) -> dict[int, list[tuple[int, int]]] | None:
    """Item id -> its extents (file offset, length), from `iloc`; None for a layout not in the file itself."""
    if box is None:
        return None
    start, end = box
    version = data[start]
    sizes = struct.unpack_from(">BB", data, start + 4)
    offset_size, length_size = sizes[0] >> 4, sizes[0] & 15
    base_size, index_size = sizes[1] >> 4, (sizes[1] & 15) if version in (1, 2) else 0
    pos = start + 6
    count, pos = _number(data, pos, 2 if version < 2 else 4)
    places: dict[int, list[tuple[int, int]]] = {}
    try:
        for _ in range(count):
            item, pos = _number(data, pos, 2 if version < 2 else 4)
            method = 0
            if version in (1, 2):
                method, pos = _number(data, pos, 2)
                method &= 15
            pos += 2  # data reference index
            base, pos = _number(data, pos, base_size)
            extents, pos = _number(data, pos, 2)
            pieces = []
            for _ in range(extents):
                pos += index_size
                offset, pos = _number(data, pos, offset_size)
                length, pos = _number(data, pos, length_size)
                pieces.append((base + offset, length))
            if method == 0:  # in the file itself (1: inside `idat`, 2: another item's: within meta)
                places[item] = pieces
        if pos > end:
            return None
    except struct.error:
        return None
    return places


def _number(data: bytes, pos: int, size: int) -> tuple[int, int]:
    if size == 0:
        return 0, pos
    value = int.from_bytes(data[pos : pos + size], "big") if pos + size <= len(data) else None
    if value is None:
        raise struct.error("cut off")
    return value, pos + size
