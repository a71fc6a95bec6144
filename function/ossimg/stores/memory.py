"""A store over a dict of key -> bytes: the same interface as the S3 source, for the CLI, tools,
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
        self.etags = {k: f'"{hashlib.md5(v, usedforsecurity=False).hexdigest()}"' for k, v in objects.items()}

    def open(self, key: str) -> SourceObject:
        if key not in self.objects:
            raise no_such_key()
        data = self.objects[key]
        return SourceObject(self.etags[key], self.modified, len(data), self.content_type, None, io.BytesIO(data))

    def url_for(self, key: str) -> str:
        return f"memory:///{key}"
