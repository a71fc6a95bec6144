"""A store over a dict of key -> bytes: the same interface as the S3 bucket, for the CLI, tools,
benchmarks and tests."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime

from ..core.errors import no_such_key
from ..service.ports import SourceChanged, SourceObject


class MemorySource:
    """A source over a dict of key -> bytes: the same interface as S3Source, for tools and benchmarks."""

    def __init__(self, objects: dict[str, bytes], content_type: str = "application/octet-stream"):
        self.objects = objects
        self.content_type = content_type
        self.modified = datetime(2026, 1, 1, tzinfo=UTC)
        self.content_types: dict[str, str] = {}
        self.metadata: dict[str, dict] = {}
        self._etags: dict[str, str] = {}
        self.sent = 0  # body bytes handed over, all opens together

    def open(self, key: str, first: int | None = None) -> SourceObject:
        obj = self.head(key)
        return obj._replace(stream=MemoryBody(self, key, obj.etag, first))

    def head(self, key: str) -> SourceObject:
        if key not in self.objects:
            raise no_such_key()
        data = self.objects[key]
        content_type = self.content_types.get(key, self.content_type)
        metadata = self.metadata.get(key, {})
        return SourceObject(self.etag(key), self.modified, len(data), content_type, None, io.BytesIO(), metadata)

    def etag(self, key: str) -> str:
        return self._etags.get(key) or self._etags.setdefault(
            key, f'"{hashlib.md5(self.objects[key], usedforsecurity=False).hexdigest()}"'
        )

    def put(self, key: str, body: bytes, content_type: str, metadata: dict | None = None) -> None:
        self.objects[key] = bytes(body)
        self.content_types[key] = content_type
        self.metadata[key] = dict(metadata or {})
        self._etags.pop(key, None)

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)
        self._etags.pop(key, None)

    def keys(self, prefix: str) -> list[str]:
        return sorted(key for key in self.objects if key.startswith(prefix))

    def url_for(self, key: str) -> str:
        return f"memory:///{key}"


class MemoryBody:
    """A body served as S3 serves one opened with a range: the first bytes, then the rest only
    while the object is unchanged. `source.sent` counts the bytes handed over, as tests count S3's."""

    def __init__(self, source: MemorySource, key: str, etag: str, first: int | None):
        self.source, self.key, self.etag, self.limit = source, key, etag, first
        self._first: bytes | None = None

    def _take(self, start: int, end: int | None = None) -> bytes:
        if self.key not in self.source.objects or self.source.etag(self.key) != self.etag:
            raise SourceChanged()
        part = self.source.objects[self.key][start:end]
        self.source.sent += len(part)
        return part

    def first(self) -> bytes:
        if self._first is None:
            self._first = self._take(0, self.limit)
        return self._first

    def part(self, offset: int, length: int) -> bytes:
        return self._take(offset, offset + length)

    def read(self) -> bytes:
        head = self.first()
        return head + self._take(len(head)) if self.limit is not None else head

    def close(self) -> None:
        pass
