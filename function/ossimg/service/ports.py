"""What the service reads from and writes to: the object it serves and the protocols its stores
(S3 in Lambda, memory in tools and tests) implement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass
class SourceObject:
    etag: str
    last_modified: datetime
    size: int
    content_type: str
    cache_control: str | None
    _body: object

    def read(self) -> bytes:
        return self._body.read()

    def close(self) -> None:
        self._body.close()


class Source(Protocol):
    """The originals (and styles, stored beside them)."""

    def open(self, key: str) -> SourceObject: ...

    def url_for(self, key: str) -> str:
        """A URL to the object itself, for originals too big to pass through Lambda."""
        ...


class Outputs(Protocol):
    """Where results too big for a Lambda response are stored, and found again."""

    def find(self, key: str) -> str | None: ...

    def store(self, key: str, body: bytes, content_type: str, cache_control: str) -> str: ...
