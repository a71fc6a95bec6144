"""Styles: named process strings stored as objects in the source bucket, cached per container.

A style `thumb` is the object `_styles/thumb` (STYLE_PREFIX) whose body is its content, e.g.
`image/resize,w_100/quality,q_80`, and whose metadata keeps its creation time. Requests read
them (`style/<n>`, `<key><delimiter><n>`); the style API, `make style` and any S3 tool write them.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import NamedTuple

from ...core.errors import OssError
from ...core.grammar import parse

NAME = re.compile(r"[A-Za-z0-9_.\-]{1,63}")
MAX_NAME = 63
MAX_STYLES = 50  # per bucket, as OSS
MAX_CONTENT_BYTES = 4096  # a process string longer than this is refused at use anyway
CREATED = "created"  # user metadata: the style's first PUT (S3 keeps only the last write)
_FORBIDDEN_IN_NAME = set(";()'*?")
_FORBIDDEN_IN_CONTENT = set(";()'*?")


def valid_name(name: str) -> bool:
    return bool(NAME.fullmatch(name))


def check_name(name: str) -> None:
    if not valid_name(name):
        ec = "0040-00000602" if _FORBIDDEN_IN_NAME & set(name) else None
        raise OssError("InvalidArgument", f"The value: {name} of parameter: stylename is invalid.", 400, ec)


def check_new_name(name: str) -> None:
    """PutStyle's rules, with its own codes: too long, or characters outside A-Z a-z 0-9 _ - ."""
    if not name or len(name) > MAX_NAME:
        raise OssError("InvalidArgument", f"The style name must be 1 to {MAX_NAME} characters.", 400, "0017-00000250")
    if not valid_name(name):
        raise OssError(
            "InvalidArgument", f"The value: {name} of parameter: stylename is invalid.", 400, "0017-00000251"
        )


def check_content(content: str) -> None:
    if not content or _FORBIDDEN_IN_CONTENT & set(content) or len(content.encode()) > MAX_CONTENT_BYTES:
        raise OssError("BadRequest", "Style content is invalid.", 400, "0017-00000253")


def no_such_style(name: str) -> OssError:
    return OssError("NoSuchStyle", f"The style {name} does not exist.", 404)


class Style(NamedTuple):
    name: str
    content: str
    created: datetime
    modified: datetime


class StyleStore:
    """Styles in a bucket under `prefix`; `get` remembers hits and misses for `ttl` seconds."""

    def __init__(self, bucket, prefix: str, ttl: float, clock=time.monotonic):
        self.bucket, self.prefix, self.ttl, self.clock = bucket, prefix, ttl, clock
        self._cache: dict[str, tuple[float, str | None]] = {}

    def get(self, name: str) -> str | None:
        """A style's content, for serving (cached)."""
        now = self.clock()
        cached = self._cache.get(name)
        if cached and cached[0] > now:
            return cached[1]
        style = self.find(name)
        content = style.content if style else None
        self._cache[name] = (now + self.ttl, content)
        return content

    def find(self, name: str) -> Style | None:
        """A style with its times, read now."""
        try:
            obj = self.bucket.open(self.prefix + name)
        except OssError as err:
            if err.code == "NoSuchKey":
                return None
            raise
        try:
            content = obj.read().decode("utf-8", "replace").strip()
        finally:
            obj.close()
        created = _parsed(obj.metadata.get(CREATED)) or obj.last_modified
        return Style(name, content, created, obj.last_modified)

    def put(self, name: str, content: str, now: datetime | None = None) -> None:
        """Create or replace a style (PutStyle): OSS's name and content rules, at most MAX_STYLES."""
        check_new_name(name)
        check_content(content)
        parse(content)  # a style that could never serve is refused now, with the action's own code
        existing = self.find(name)
        if existing is None and len(self.names()) >= MAX_STYLES:
            raise OssError("TooManyStyles", f"A bucket holds at most {MAX_STYLES} styles.", 400)
        created = existing.created if existing else (now or datetime.now(UTC))
        metadata = {CREATED: format_datetime(created.astimezone(UTC), usegmt=True)}
        self.bucket.put(self.prefix + name, content.encode(), "text/plain; charset=utf-8", metadata)
        self._cache.pop(name, None)

    def delete(self, name: str) -> None:
        """Remove a style; removing one that does not exist succeeds too, as on OSS."""
        self.bucket.delete(self.prefix + name)
        self._cache.pop(name, None)

    def names(self) -> list[str]:
        return [key[len(self.prefix) :] for key in self.bucket.keys(self.prefix) if valid_name(key[len(self.prefix) :])]

    def all(self) -> list[Style]:
        return [style for name in self.names() if (style := self.find(name)) is not None]


def _parsed(value: str | None) -> datetime | None:
    try:
        return parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None
