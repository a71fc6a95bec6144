"""One request end to end: who is asking (origin, signatures), what they may do (ACL, source
protection, Referer), and which operation answers: reading an object, `sys/saveas`, or the
style API. AWS-free: the stores come in as Backends.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

from ..config import PRIVATE, Settings
from ..core.budget.costs import Budget
from ..core.budget.deadline import NO_DEADLINE, Deadline
from ..core.errors import OssError
from .access.oss_signing import Signed, authenticate, carries_signature
from .access.rules import check_referer, denied_by_acl, protected, style_only
from .access.signing import EXPIRES, NO_KEYS, KeyRing, verify
from .ports import Bucket, Outputs, Source
from .request import PROCESS_PARAM, ImageRequest, validate_key
from .response import HttpResponse, error_response
from .serve import check_process, resolve_style, serve
from .styles.store import StyleStore

ORIGIN_HEADER = "x-origin-verify"
OBJECT_METHODS = ("GET", "HEAD", "POST")
BUCKET_METHODS = ("GET", "PUT", "DELETE")


class Backends(NamedTuple):
    """What requests read from and write to, built once per container at the edge."""

    source: Source
    styles: StyleStore
    keys: KeyRing = NO_KEYS  # the service's own URL-signing secrets; none: URLs need none
    outputs: Outputs | None = None  # oversized results are stored and redirected to
    oss_keys: KeyRing = NO_KEYS  # OSS AccessKey pairs, `<id>:<secret>`
    targets: Mapping[str, Bucket] = MappingProxyType({})  # sys/saveas buckets by the name clients use


class Caller(NamedTuple):
    """The request's identity once its signature (if any) verified."""

    key: str | None  # the object it names; None: the bucket (the style API)
    signed: bool  # by an OSS signature or the service's own
    oss: Signed | None = None
    expires: float | None = None  # when the signature lapses (URLs)
    via_cdn: bool = False  # brought by our CDN, which applied the Referer rules at the edge

    @property
    def in_header(self) -> bool:
        return self.oss is not None and self.oss.expires is None


def handle(
    req: ImageRequest,
    settings: Settings,
    backends: Backends,
    deadline: Deadline = NO_DEADLINE,
    budget: Budget | None = None,
    now=None,
) -> HttpResponse:
    """Never raises for anything a client did: OssError becomes OSS's XML error. `budget`: the
    memory this request may use (default: the settings' memory limit)."""
    try:
        caller = identify(req, settings, backends, now)
        if not caller.via_cdn and not caller.in_header:
            check_referer(settings.referer, req.headers.get("referer", ""), settings.signing_bucket)
        budget = budget or Budget(settings.memory_limit_mb)
        if caller.key is None:
            return _bucket_operation(req, caller, settings, backends)
        if req.method in ("GET", "HEAD"):
            return _read(req, caller, settings, backends, deadline, budget, now)
        if req.method == "POST" and req.param(PROCESS_PARAM) is not None:
            from . import saveas  # loaded by the first sys/saveas, not on every cold start

            return saveas.run(req, caller.key, caller.oss, settings, backends, deadline, budget)
        raise _not_allowed(req.method, OBJECT_METHODS)
    except OssError as err:
        return error_response(err, req.request_id, req.headers.get("host", ""), settings.error_cache_control)


def identify(req: ImageRequest, settings: Settings, backends: Backends, now=None) -> Caller:
    """The caller, once the origin check and any signature passed (403 otherwise)."""
    via_cdn = check_origin(req, settings)
    clock = {"now": (lambda: now)} if now is not None else {}
    if carries_signature(req):  # verified even on a public object, as OSS does
        signed = authenticate(req, settings.signing_bucket, backends.oss_keys, **clock)
        assert signed is not None, "carries_signature(req) and authenticate(req) read the same fields"
        return Caller(signed.key, True, signed, signed.expires, via_cdn)
    key = req.key or None
    if backends.keys.enabled:
        verify(req.key, list(req.query), backends.keys, **clock)
        expires = req.param(EXPIRES)
        return Caller(key, True, None, float(expires) if expires else None, via_cdn)
    return Caller(key, False, None, None, via_cdn)


def check_origin(req: ImageRequest, settings: Settings) -> bool:
    """Whether the CDN brought the request (its secret header). Without the header a request is
    refused unless direct access is allowed: a direct call would skip the CDN's cache and rules."""
    if not settings.origin_verify:
        return False
    if hmac.compare_digest(req.headers.get(ORIGIN_HEADER, "").encode(), settings.origin_verify.encode()):
        return True
    if settings.direct_access:
        return False
    raise OssError("AccessDenied", "Requests must come through the CDN.", 403)


def _read(req, caller: Caller, settings: Settings, backends: Backends, deadline, budget, now) -> HttpResponse:
    key = validate_key(caller.key)
    if settings.source_acl == PRIVATE and not caller.signed:
        raise denied_by_acl()
    check_process(req.process)
    target = resolve_style(key, req.process, settings, backends.styles)
    if settings.protected_suffixes and not caller.signed and not target.styled:
        if protected(target.key, settings.protected_suffixes):
            raise style_only()
    lifetime = None if caller.expires is None else caller.expires - (time.time() if now is None else now)
    return serve(req, target, settings, backends, deadline, budget, lifetime)


def _bucket_operation(req, caller: Caller, settings: Settings, backends: Backends) -> HttpResponse:
    if req.param("style") is not None:
        if caller.oss is None:
            raise OssError("AccessDenied", "The style API needs a request signed with an OSS AccessKey.", 403)
        from .styles import api as style_api  # loaded by the first style API call

        return style_api.answer(req, settings, backends.styles)
    if req.method in ("GET", "HEAD"):
        validate_key("")  # 400: no object named
    raise _not_allowed(req.method, BUCKET_METHODS)


def _not_allowed(method: str, allowed: tuple[str, ...]) -> OssError:
    return OssError(
        "MethodNotAllowed",
        f"The method {method} is not allowed here; use {', '.join(allowed)}.",
        405,
        headers={"Allow": ", ".join(allowed)},
    )
