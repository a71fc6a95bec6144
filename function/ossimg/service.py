"""One request end to end: decoded request + source -> HTTP response. AWS-free (the source is injected)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from .errors import OssError
from .grammar import parse
from .limits import Limits
from .pipeline import render
from .request import ImageRequest, validate_key
from .response import (
    HttpResponse,
    check_payload,
    derived_etag,
    error_response,
    http_date,
    is_not_modified,
)


@dataclass(frozen=True)
class Settings:
    bucket: str
    cache_control: str = "public, max-age=86400, s-maxage=2592000"
    error_cache_control: str = "public, max-age=60"
    limits: Limits = field(default_factory=Limits)

    @classmethod
    def from_env(cls, env=os.environ) -> "Settings":
        defaults = cls(bucket="")
        return cls(
            bucket=env.get("SOURCE_BUCKET", ""),
            cache_control=env.get("CACHE_CONTROL") or defaults.cache_control,
            error_cache_control=env.get("ERROR_CACHE_CONTROL") or defaults.error_cache_control,
            limits=Limits.from_env(env),
        )


def handle(req: ImageRequest, source, settings: Settings) -> HttpResponse:
    """Never raises for anything a client did: OssError becomes OSS's XML error."""
    try:
        return _serve(req, source, settings)
    except OssError as err:
        return error_response(err, req.request_id, req.headers.get("host", ""), settings.error_cache_control)


def _serve(req: ImageRequest, source, settings: Settings) -> HttpResponse:
    validate_key(req.key)
    chain = parse(req.process) if req.process else None  # bad requests cost no S3 call
    obj = source.open(req.key)
    try:
        etag = derived_etag(obj.etag, chain.canonical if chain else None)
        headers = {
            "ETag": etag,
            "Last-Modified": http_date(obj.last_modified),
            "Cache-Control": obj.cache_control or settings.cache_control,
            "x-oss-request-id": req.request_id,
        }
        if is_not_modified(req.headers, etag, obj.last_modified):
            return HttpResponse(304, headers)  # the body is never downloaded
        if chain is None:
            check_payload(obj.size)
            body, content_type = obj.read(), obj.content_type
        else:
            settings.limits.check_bytes(obj.size)
            rendered = render(obj.read(), chain, settings.limits)
            check_payload(len(rendered.body))
            body, content_type = rendered.body, rendered.content_type
    finally:
        obj.close()
    headers["Content-Type"] = content_type
    headers["Content-Length"] = str(len(body))
    return HttpResponse(200, headers, b"" if req.is_head else body)
