"""One request end to end: decoded request + source -> HTTP response. AWS-free (the source is injected)."""

from __future__ import annotations

import hmac
import os
from dataclasses import dataclass, field

from .costs import Budget
from .deadline import NO_DEADLINE, Deadline
from .errors import OssError, OutputTooLarge, too_large
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
    max_raw_body,
)
from .signing import NO_KEYS, KeyRing, verify
from .styles import StyleStore, check_content, check_name, no_such_style, valid_name

ORIGIN_HEADER = "x-origin-verify"


@dataclass(frozen=True)
class Settings:
    bucket: str
    cache_control: str = "public, max-age=86400, s-maxage=2592000"
    error_cache_control: str = "public, max-age=60"
    style_prefix: str = "_styles/"
    style_delimiters: str = ""  # e.g. "!": <key>!<style> in the path; off when empty
    style_cache_seconds: float = 60
    deadline_margin_ms: int = 1500  # stop this long before Lambda's timeout: time to encode and answer
    allowed_prefixes: tuple[str, ...] = ()  # empty: the whole bucket
    output_prefix: str = "derived/"  # where oversized derivatives go in OUTPUT_BUCKET
    redirect_cache_control: str = "public, max-age=300"  # shorter than the redirect URLs live
    auto_format: bool = False  # AVIF/WebP by Accept when the chain names no format
    origin_verify: str = ""  # the secret the CDN adds as X-Origin-Verify; set: requests without it are refused
    memory_limit_mb: int = 1769  # the function's memory where no Lambda context says (local server, CLI)
    max_output_bytes: int = 64 * 1024 * 1024  # the largest result stored in OUTPUT_BUCKET
    limits: Limits = field(default_factory=Limits)

    @classmethod
    def from_env(cls, env=os.environ) -> Settings:
        defaults = cls(bucket="")
        return cls(
            bucket=env.get("SOURCE_BUCKET", ""),
            cache_control=env.get("CACHE_CONTROL") or defaults.cache_control,
            error_cache_control=env.get("ERROR_CACHE_CONTROL") or defaults.error_cache_control,
            style_prefix=env.get("STYLE_PREFIX") or defaults.style_prefix,
            style_delimiters=env.get("STYLE_DELIMITERS", ""),
            style_cache_seconds=float(env.get("STYLE_CACHE_SECONDS") or defaults.style_cache_seconds),
            deadline_margin_ms=int(env.get("DEADLINE_MARGIN_MS") or defaults.deadline_margin_ms),
            allowed_prefixes=tuple(p.strip() for p in env.get("ALLOWED_PREFIXES", "").split(",") if p.strip()),
            output_prefix=env.get("OUTPUT_PREFIX") or defaults.output_prefix,
            redirect_cache_control=env.get("REDIRECT_CACHE_CONTROL") or defaults.redirect_cache_control,
            auto_format=env.get("AUTO_FORMAT", "").lower() == "true",
            origin_verify=env.get("ORIGIN_VERIFY", ""),
            memory_limit_mb=int(env.get("MEMORY_LIMIT_MB") or defaults.memory_limit_mb),
            max_output_bytes=int(env.get("MAX_OUTPUT_BYTES") or defaults.max_output_bytes),
            limits=Limits.from_env(env),
        )

    def check_key(self, key: str) -> None:
        """Only objects under the allowed prefixes are served or used; styles never as objects."""
        if key.startswith(self.style_prefix):
            raise OssError("AccessDenied", "Styles are not served as objects.", 403)
        if self.allowed_prefixes and not key.startswith(self.allowed_prefixes):
            raise OssError("AccessDenied", "This object is outside the prefixes this service may read.", 403)


@dataclass
class Backends:
    """What requests read from and write to, built once per container at the edge."""

    source: object  # open(key) -> SourceObject; url_for(key) -> a URL to the object itself
    styles: StyleStore
    keys: KeyRing = NO_KEYS  # signing secrets; none: URLs need no signature
    outputs: object | None = None  # find(key) / store(...) -> URL: oversized results redirect there


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
    """AVIF and/or WebP, best first, when the client accepts them and the chain names no format."""
    if chain is None or chain.standalone or chain.encode_options().format:
        return ()
    accept = req.headers.get("accept", "")
    return tuple(fmt for fmt in ("avif", "webp") if f"image/{fmt}" in accept)


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
    settings.check_key(key)
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
    settings.check_key(key)
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
                rendered = render(data, chain, settings.limits, resources, deadline, prefer, budget, cap)
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
