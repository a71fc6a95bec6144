"""Who may read what: the bucket ACL, source-image protection and hotlink (Referer) rules, as OSS
applies them to anonymous and signed requests.

- SOURCE_ACL=private: every read needs a signature.
- PROTECTED_SUFFIXES: anonymous readers of those objects get styles only (`style/<n>` or the
  delimiter form); originals and free-form `image/...` need a signature.
- REFERER_*: a non-empty Referer on the deny list is refused; one not on a non-empty allow list
  is refused; an empty one passes when allowed, or when the allow list is empty. Patterns match a
  prefix of the Referer (with or without its scheme), case-insensitively, `*` any run of
  characters and `?` one. Requests signed in the Authorization header are not checked; URLs,
  signed or not, are.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from ..core.errors import OssError

PUBLIC_READ, PRIVATE = "public-read", "private"
ACLS = (PUBLIC_READ, PRIVATE)


def denied_by_acl() -> OssError:
    return OssError(
        "AccessDenied", "You have no right to access this object because of bucket acl.", 403, "0003-00000001"
    )


def style_only() -> OssError:
    return OssError("AccessDenied", "The channel can be only accessed using style.", 403)


def protected(key: str, suffixes: tuple[str, ...]) -> bool:
    """Whether source-image protection covers the key (`*` covers every key)."""
    if "*" in suffixes:
        return True
    lowered = key.lower()
    return any(
        lowered.endswith(suffix.lower() if suffix.startswith(".") else "." + suffix.lower()) for suffix in suffixes
    )


@functools.lru_cache(maxsize=256)
def _pattern(rule: str) -> re.Pattern:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in rule)
    return re.compile(body, re.IGNORECASE | re.DOTALL)


class RefererRule(NamedTuple):
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    allow_empty: bool = True
    truncate_query: bool = True

    @property
    def enabled(self) -> bool:
        return bool(self.allow or self.deny or not self.allow_empty)

    def admits(self, referer: str) -> bool:
        if not referer:
            return self.allow_empty or not self.allow
        if self.truncate_query:
            referer = referer.split("?", 1)[0]
        candidates = (referer, re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "", referer))
        if any(_matches(rule, text) for rule in self.deny for text in candidates):
            return False
        return not self.allow or any(_matches(rule, text) for rule in self.allow for text in candidates)

    def check(self, referer: str, bucket: str) -> None:
        if self.enabled and not self.admits(referer):
            raise OssError(
                "AccessDenied",
                "You are denied by bucket referer policy.",
                403,
                "0003-00000503",
                details=(("BucketName", bucket),),
            )


def _matches(rule: str, text: str) -> bool:
    return _pattern(rule).match(text) is not None
