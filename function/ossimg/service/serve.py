"""One request end to end: decoded request + source -> HTTP response. AWS-free (the source is injected)."""

from __future__ import annotations

import hmac
from typing import NamedTuple

from ..config import Settings
from ..core import formats
from ..core.costs import Budget
from ..core.deadline import NO_DEADLINE, Deadline
from ..core.errors import OssError, OutputTooLarge, too_large
from ..core.grammar import parse
from ..core.pipeline import Job, render
from .ports import Outputs, Source
from .request import ImageRequest, validate_key
from .response import (
    HttpResponse,
    check_payload,
    derived_etag,
    error_response,
    http_date,
    is_not_modified,
    max_raw_body,
)
from .signing import NO_KEYS, KeyRing, verify
from .styles import StyleStore, check_content, check_name, no_such_style, valid_name

ORIGIN_HEADER = "x-origin-verify"


def check_key(settings: Settings, key: str) -> None:
    """Only objects under the allowed prefixes are served or used; styles never as objects."""
    if key.startswith(settings.style_prefix):
        raise OssError("AccessDenied", "Styles are not served as objects.", 403)
    if settings.allowed_prefixes and not key.startswith(settings.allowed_prefixes):
        raise OssError("AccessDenied", "This object is outside the prefixes this service may read.", 403)


class Backends(NamedTuple):
    """What requests read from and write to, built once per container at the edge."""

    source: Source
    styles: StyleStore
    keys: KeyRing = NO_KEYS  # signing secrets; none: URLs need no signature
    outputs: Outputs | None = None  # oversized results are stored and redirected to


def handle(
    req: ImageRequest,
    settings: Settings,
    backends: Backends,
    deadline: Deadline = NO_DEADLINE,
    budget: Budget | None = None,
) -> HttpResponse:
    """Never raises for anything a client did: OssError becomes OSS's XML error. `budget`: the
    memory this request may use (default: the settings' memory limit)."""
    try:
        check_origin(req, settings)
        verify(req.key, list(req.query), backends.keys)
        return _serve(req, settings, backends, deadline, budget or Budget(settings.memory_limit_mb))
    except OssError as err:
        return error_response(err, req.request_id, req.headers.get("host", ""), settings.error_cache_control)


def check_origin(req: ImageRequest, settings: Settings) -> None:
    """Only the CDN knows the secret: a direct call to the API would skip its cache and its rules."""
    if settings.origin_verify and not hmac.compare_digest(
        req.headers.get(ORIGIN_HEADER, "").encode(), settings.origin_verify.encode()
    ):
        raise OssError("AccessDenied", "Requests must come through the CDN.", 403)


def resolve_style(req: ImageRequest, settings: Settings, styles: StyleStore) -> tuple[str, str | None]:
    """The object key and process string, with `style/<name>` or `<key><delimiter><name>` expanded."""
    key, process = req.key, req.process
    if process and process.startswith("style/"):
        name = process.removeprefix("style/")
        check_name(name)
        process = styles.get(name)
        if process is None:
            raise no_such_style(name)
    elif settings.style_delimiters and not process:
        cut = max(key.rfind(d) for d in settings.style_delimiters)
        name = key[cut + 1 :] if cut > 0 else ""
        # Only an existing style splits the path: keys that merely contain the delimiter still work.
        if valid_name(name) and (content := styles.get(name)) is not None:
            key, process = key[:cut], content
    if process is not None and process != req.process:
        check_content(process)
    return key, process


def accepted_formats(req: ImageRequest, chain) -> tuple[str, ...]:
    """The negotiable formats (AVIF, WebP), best first, that the client accepts, when the chain
    names no format."""
    if chain is None or chain.standalone or chain.encode_options().format:
        return ()
    accept = req.headers.get("accept", "")
    return tuple(kind.name for kind in formats.negotiable() if kind.mime in accept)


def redirect(url: str, settings: Settings, req: ImageRequest) -> HttpResponse:
    headers = {
        "Location": url,
        "Cache-Control": settings.redirect_cache_control,
        "Content-Length": "0",
        "x-oss-request-id": req.request_id,
    }
    return HttpResponse(302, headers)


def read_resource(source, key: str, settings: Settings) -> bytes:
    """A watermark image: same bucket and rules as a source, a clear 400 when missing."""
    check_key(settings, key)
    try:
        obj = source.open(key)
    except OssError as err:
        if err.code == "NoSuchKey":
            raise OssError("WatermarkError", f"The watermark object {key} does not exist.", 400) from None
        raise
    try:
        settings.limits.check_bytes(obj.size)
        return obj.read()
    finally:
        obj.close()


def _serve(
    req: ImageRequest, settings: Settings, backends: Backends, deadline: Deadline, budget: Budget
) -> HttpResponse:
    validate_key(req.key)
    key, process = resolve_style(req, settings, backends.styles)
    check_key(settings, key)
    chain = parse(process) if process else None  # bad requests cost no S3 call
    source, outputs = backends.source, backends.outputs
    prefer = accepted_formats(req, chain) if settings.auto_format else ()
    obj = source.open(key)
    try:
        etag = derived_etag(obj.etag, chain.canonical + "".join(f"|{f}" for f in prefer) if chain else None)
        headers = {
            "ETag": etag,
            "Last-Modified": http_date(obj.last_modified),
            "Cache-Control": obj.cache_control or settings.cache_control,
            "x-oss-request-id": req.request_id,
        }
        if settings.auto_format:
            headers["Vary"] = "Accept"
        if is_not_modified(req.headers, etag, obj.last_modified):
            return HttpResponse(304, headers)  # the body is never downloaded
        if chain is None:
            if outputs and obj.size > max_raw_body():
                return redirect(source.url_for(key), settings, req)  # too big for Lambda: fetch it directly
            check_payload(obj.size)
            body, content_type = obj.read(), obj.content_type
        else:
            output_key = settings.output_prefix + etag.strip('"')
            if outputs and (stored := outputs.find(output_key)):
                return redirect(stored, settings, req)  # made and stored before: no work
            settings.limits.check_bytes(obj.size)
            data = obj.read()
            resources = {mark: read_resource(source, mark, settings) for mark in chain.resource_keys()}
            cap = settings.max_output_bytes if outputs else max_raw_body()
            try:
                job = Job(
                    settings.limits, settings.encoders, settings.font_dirs, resources, deadline, budget, prefer, cap
                )
                rendered = render(data, chain, job)
            except OutputTooLarge as err:
                where = "results are stored up to MAX_OUTPUT_BYTES" if outputs else "a Lambda response can carry"
                raise too_large(
                    f"The response would be more than {err.limit:,} bytes; {where} at most {err.limit:,} bytes. "
                    "Ask for a smaller size, a lower quality or a more compact format."
                ) from None
            body, content_type = rendered.body, rendered.content_type
            if outputs and len(body) > max_raw_body():
                url = outputs.store(output_key, body, content_type, headers["Cache-Control"])
                return redirect(url, settings, req)
            check_payload(len(body))
    finally:
        obj.close()
    headers["Content-Type"] = content_type
    headers["Content-Length"] = str(len(body))
    described = chain is not None and chain.standalone is not None  # info, average-hue: our JSON
    meta = {"action": chain.calls[0].action.name if chain else "original", "bytes_in": obj.size}
    if chain is not None and rendered.cost is not None:
        meta.update(estimate_mb=round(rendered.cost.total_megabytes), estimate_s=round(rendered.cost.seconds, 2))
    return HttpResponse(200, headers, b"" if req.is_head else body, text=described, meta=meta)
