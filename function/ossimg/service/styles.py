"""Styles: named process strings stored as objects in the source bucket, cached per container.

A style `thumb` is the object `_styles/thumb` (STYLE_PREFIX) whose body is its content, e.g.
`image/resize,w_100/quality,q_80`; operators manage styles with any S3 tool.
"""

from __future__ import annotations

import re
import time

from ..core.errors import OssError

NAME = re.compile(r"[A-Za-z0-9_.\-]{1,63}")
_FORBIDDEN_IN_NAME = set(";()'*?")
_FORBIDDEN_IN_CONTENT = set(";()'*?")


def valid_name(name: str) -> bool:
    return bool(NAME.fullmatch(name))


def check_name(name: str) -> None:
    if not valid_name(name):
        ec = "0040-00000602" if _FORBIDDEN_IN_NAME & set(name) else None
        raise OssError("InvalidArgument", f"The value: {name} of parameter: stylename is invalid.", 400, ec)


def check_content(content: str) -> None:
    if not content or _FORBIDDEN_IN_CONTENT & set(content):
        raise OssError("BadRequest", "Style content is invalid.", 400, "0017-00000253")


def no_such_style(name: str) -> OssError:
    return OssError("NoSuchStyle", f"The style {name} does not exist.", 404)


class StyleStore:
    """Reads styles through the source; remembers hits and misses for `ttl` seconds."""

    def __init__(self, source, prefix: str, ttl: float, clock=time.monotonic):
        self.source, self.prefix, self.ttl, self.clock = source, prefix, ttl, clock
        self._cache: dict[str, tuple[float, str | None]] = {}

    def get(self, name: str) -> str | None:
        now = self.clock()
        cached = self._cache.get(name)
        if cached and cached[0] > now:
            return cached[1]
        content = self._read(name)
        self._cache[name] = (now + self.ttl, content)
        return content

    def _read(self, name: str) -> str | None:
        try:
            obj = self.source.open(self.prefix + name)
        except OssError as err:
            if err.code == "NoSuchKey":
                return None
            raise
        try:
            return obj.read().decode("utf-8", "replace").strip()
        finally:
            obj.close()
