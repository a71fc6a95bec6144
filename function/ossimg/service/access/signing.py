"""Signed URLs (off unless keys are configured): HMAC-SHA256 over a published canonical string.

    string_to_sign = "/" + quote(key) + "\\n" + "&".join(sorted(quote(name) + "=" + quote(value)))
                     for every query parameter except x-signature, quote = RFC 3986 (safe "-._~", "/" in
                     the key)
    x-signature    = lowercase hex HMAC-SHA256(secret, string_to_sign)
    x-expires      = optional Unix time, signed like any other parameter; later requests are refused

Several keys may be active at once, so keys rotate without downtime.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import quote

from ...core.errors import OssError

SIGNATURE = "x-signature"
EXPIRES = "x-expires"


def string_to_sign(key: str, query: list[tuple[str, str]]) -> str:
    pairs = sorted((quote(k, safe="-._~"), quote(v, safe="-._~")) for k, v in query if k != SIGNATURE)
    return "/" + quote(key, safe="/-._~") + "\n" + "&".join(f"{k}={v}" for k, v in pairs)


def sign(secret: str, key: str, query: list[tuple[str, str]]) -> str:
    return hmac.new(secret.encode(), string_to_sign(key, query).encode(), hashlib.sha256).hexdigest()


class KeyRing:
    """Active signing secrets: fixed ones, plus ones fetched (e.g. from SSM) and cached for `ttl` s."""

    def __init__(self, fixed: list[str] | None = None, fetch=None, ttl: float = 300, clock=time.monotonic):
        self.fixed, self.fetch, self.ttl, self.clock = list(fixed or []), fetch, ttl, clock
        self._fetched: list[str] = []
        self._until = float("-inf")

    @property
    def enabled(self) -> bool:
        return bool(self.fixed) or self.fetch is not None

    def keys(self) -> list[str]:
        if self.fetch is not None and self.clock() >= self._until:
            self._fetched, self._until = list(self.fetch()), self.clock() + self.ttl
        return self.fixed + self._fetched


NO_KEYS = KeyRing()


def verify(key: str, query: list[tuple[str, str]], ring: KeyRing, now=time.time) -> None:
    if not ring.enabled:
        return
    given = [v for k, v in query if k == SIGNATURE]
    if not given:
        raise OssError("AccessDenied", "This service only answers signed URLs.", 403)
    expires = [v for k, v in query if k == EXPIRES]
    if expires and (not expires[-1].isdigit() or int(expires[-1]) < now()):
        raise OssError("AccessDenied", "Request has expired.", 403)
    expected = [sign(secret, key, query) for secret in ring.keys()]
    if not any(hmac.compare_digest(candidate, given[-1].lower()) for candidate in expected):
        raise OssError(
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
            403,
        )
