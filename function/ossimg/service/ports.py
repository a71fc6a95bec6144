"""What the service reads from and writes to: the object it serves and the protocols its stores
(S3 in Lambda, memory in tools and tests) implement."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import NamedTuple, Protocol

from ..core.errors import OssError


class Body(Protocol):
    """An object's body as the store hands it over."""

    def read(self) -> bytes: ...

    def close(self) -> None: ...


class SourceChanged(OssError):
    """The object was replaced between two reads of it (its ETag no longer matched): the parts
    read are never joined; the request starts again from a fresh read, once."""

    def __init__(self) -> None:
        super().__init__("ServiceUnavailable", "The source object changed while it was read; try again.", 503)


class SourceObject(NamedTuple):
    etag: str
    last_modified: datetime
    size: int
    content_type: str
    cache_control: str | None
    stream: Body  # read once
    metadata: Mapping[str, str] = MappingProxyType({})  # the object's user metadata (x-amz-meta-*), lower-case names

    def read(self) -> bytes:
        """The whole object (what `first()` read, and the rest)."""
        return self.stream.read()

    def read_range(self, offset: int, length: int) -> bytes:
        """`length` bytes from `offset`, only while it is still the object first read."""
        part = getattr(self.stream, "part", None)
        return part(offset, length) if part else self.read()[offset : offset + length]

    def first(self) -> bytes:
        """What the first read brought: the object's first bytes when it was opened with `first`
        (the whole object when that covers it), else the whole object."""
        first = getattr(self.stream, "first", None)
        return first() if first else self.read()

    def close(self) -> None:
        self.stream.close()


class Source(Protocol):
    """The originals (and styles, stored beside them)."""

    def open(self, key: str, first: int | None = None) -> SourceObject:
        """The object, its body not yet read; with `first`, only its first bytes are asked for
        (the rest is read, if at all, only if it is still the same object)."""
        ...

    def head(self, key: str) -> SourceObject:
        """The object's metadata only: no body is sent."""
        ...

    def url_for(self, key: str) -> str:
        """A URL to the object itself, for originals too big to pass through Lambda."""
        ...


class Bucket(Protocol):
    """A bucket that is written to: styles beside the originals, `sys/saveas` targets."""

    def open(self, key: str) -> SourceObject: ...

    def put(self, key: str, body: bytes, content_type: str, metadata: dict | None = None) -> None: ...

    def delete(self, key: str) -> None: ...

    def keys(self, prefix: str) -> list[str]: ...


class Outputs(Protocol):
    """Where results are stored (those too big for a Lambda response, and derivatives worth
    keeping), and found again."""

    def open(self, key: str) -> SourceObject | None:
        """The stored result, its body not yet read; None when there is none (one GET either way)."""
        ...

    def url(self, key: str) -> str:
        """Where a client fetches a stored result itself."""
        ...

    def store(self, key: str, body: bytes, content_type: str, cache_control: str) -> str: ...
