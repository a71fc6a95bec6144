"""What the service reads from and writes to: the object it serves and the protocols its stores
(S3 in Lambda, memory in tools and tests) implement."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import NamedTuple, Protocol


class Body(Protocol):
    """An object's body as the store hands it over."""

    def read(self) -> bytes: ...

    def close(self) -> None: ...


class SourceObject(NamedTuple):
    etag: str
    last_modified: datetime
    size: int
    content_type: str
    cache_control: str | None
    stream: Body  # read once
    metadata: Mapping[str, str] = MappingProxyType({})  # the object's user metadata (x-amz-meta-*), lower-case names

    def read(self) -> bytes:
        return self.stream.read()

    def close(self) -> None:
        self.stream.close()


class Source(Protocol):
    """The originals (and styles, stored beside them)."""

    def open(self, key: str) -> SourceObject: ...

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
