"""A store over a dict of key -> bytes: the same interface as the S3 bucket, for the CLI, tools,
benchmarks and tests."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime

from ..core.errors import no_such_key
from ..service.ports import SourceObject


class MemorySource:
    """A source over a dict of key -> bytes: the same interface as S3Source, for tools and benchmarks."""

    def __init__(self, objects: dict[str, bytes], content_type: str = "application/octet-stream"):
        self.objects = objects
        self.content_type = content_type
        self.modified = datetime(2026, 1, 1, tzinfo=UTC)
        self.content_types: dict[str, str] = {}
        self.metadata: dict[str, dict] = {}
        self._etags: dict[str, str] = {}

    def open(self, key: str) -> SourceObject:
        if key not in self.objects:
            raise no_such_key()
        data = self.objects[key]
        etag = self._etags.get(key) or self._etags.setdefault(
            key, f'"{hashlib.md5(data, usedforsecurity=False).hexdigest()}"'
        )
        content_type = self.content_types.get(key, self.content_type)
        metadata = self.metadata.get(key, {})
        return SourceObject(etag, self.modified, len(data), content_type, None, io.BytesIO(data), metadata)

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
