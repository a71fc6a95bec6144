"""Reading: an object, original or processed, with validators, 304s and oversize redirects; and the
rendering `sys/saveas` shares. AWS-free (the stores are injected)."""

from __future__ import annotations

import logging
import re
import time
from typing import NamedTuple

from ..config import Settings
from ..core.budget.costs import Budget
from ..core.budget.deadline import NO_DEADLINE, Deadline
from ..core.codecs import formats
from ..core.errors import OssError, OutputTooLarge, too_large
from ..core.grammar import parse
from ..core.pipeline import Job, Rendered, preflight, render
from .ports import SourceChanged
from .request import ImageRequest, validate_key
from .response import HttpResponse, check_payload, derived_etag, http_date, is_not_modified, max_raw_body
from .styles.store import StyleStore, check_content, check_name, no_such_style, valid_name

STORED_LIMIT = "results are stored up to MAX_OUTPUT_BYTES"
# A source is first read this far: enough for the header of a JPEG, PNG or BMP (with its EXIF,
# at most 64 KiB), so header-only answers (image/info, every refusal by the limits) read no more.
HEADER_BYTES = 64 * 1024
LOG = logging.getLogger(__name__)
DERIVATIVE_HEADER = "X-Derivative"  # "stored" when a result was kept, "hit" when it was served from the store


def check_key(settings: Settings, key: str) -> None:
    """Only objects under the allowed prefixes are served or used; styles never as objects."""
    if key.startswith(settings.style_prefix):
        raise OssError("AccessDenied", "Styles are not served as objects.", 403)
    if settings.allowed_prefixes and not key.startswith(settings.allowed_prefixes):
        raise OssError("AccessDenied", "This object is outside the prefixes this service may read.", 403)


class Target(NamedTuple):
    """What a request reads: the object, its process string, and whether that came from a style."""

    key: str
    process: str | None
    styled: bool = False
    unknown_style: str | None = None  # `<key>!<name>` where no style <name> exists (yet the key may)


def resolve_style(key: str, process: str | None, settings: Settings, styles: StyleStore) -> Target:
    """The object key and process string, with `style/<name>` or `<key><delimiter><name>` expanded."""
    given, unknown = process, None
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
        elif valid_name(name):
            unknown = name
    styled = process is not None and process != given
    if process is not None and styled:
        check_content(process)
    return Target(key, process, styled, unknown)


def check_process(process: str | None) -> None:
    """`|` joins a chain to `sys/saveas`, which only a POST may carry."""
    if process and "|" in process:
        if "saveas" in process:
            raise OssError("InvalidArgument", "sys/saveas is only allowed in a POST request.", 400)
        raise OssError("InvalidArgument", "'|' may only join a process to sys/saveas, in a POST request.", 400)


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
            raise OssError(
                "WatermarkError", f"The watermark object {key} does not exist.", 400, "0040-00000025"
            ) from None
        raise
    try:
        settings.limits.check_bytes(obj.size)
        return obj.read()
    finally:
        obj.close()


def render_object(obj, chain, settings: Settings, source, job: Job, where: str) -> Rendered:
    """A source object through a chain, within the source limits and the job's output cap (`where`
    says what sets that cap)."""
    settings.limits.check_bytes(obj.size)
    decided = preflight(obj.first(), obj.size, chain, job, obj.read_range)  # the header may answer, or refuse
    if decided is not None:
        return decided
    data = obj.read()
    resources = {mark: read_resource(source, mark, settings) for mark in chain.resource_keys()}
    try:
        return render(data, chain, job._replace(resources=resources, source_tag=obj.etag))
    except OutputTooLarge as err:
        raise too_large(
            f"The response would be more than {err.limit:,} bytes; {where} at most {err.limit:,} bytes. "
            "Ask for a smaller size, a lower quality or a more compact format."
        ) from None


def job_for(settings: Settings, deadline: Deadline, budget: Budget, prefer=(), cap: int | None = None) -> Job:
    return Job(
        settings.limits, settings.encoders, settings.font_dirs, {}, deadline, budget, prefer, cap, settings.threads
    )


def serve(
    req: ImageRequest,
    target: Target,
    settings: Settings,
    backends,
    deadline: Deadline = NO_DEADLINE,
    budget: Budget | None = None,
    lifetime: float | None = None,
) -> HttpResponse:
    """GET or HEAD of an object. `lifetime`: seconds the request's signature has left, which
    caches must not outlive. A source replaced while it was read is read again, once."""
    try:
        return _serve(req, target, settings, backends, deadline, budget, lifetime)
    except SourceChanged:
        return _serve(req, target, settings, backends, deadline, budget, lifetime)


CONDITIONS = ("if-none-match", "if-modified-since")


def _serve(req, target: Target, settings: Settings, backends, deadline: Deadline, budget, lifetime) -> HttpResponse:
    key = target.key
    validate_key(key)
    check_key(settings, key)
    chain = parse(target.process) if target.process else None  # bad requests cost no S3 call
    source, outputs = backends.source, backends.outputs
    prefer = accepted_formats(req, chain) if settings.auto_format else ()
    variant = chain.canonical + "".join(f"|{f}" for f in prefer) if chain else None
    if any(req.headers.get(name) for name in CONDITIONS):  # a HEAD first: a 304 costs S3 no body
        meta = _found(lambda: source.head(key), target)
        headers = response_headers(meta, variant, settings, req, lifetime)
        if is_not_modified(req.headers, headers["ETag"], meta.last_modified):
            return HttpResponse(304, headers)
    obj = _found(lambda: source.open(key, first=HEADER_BYTES), target)
    try:
        headers = response_headers(obj, variant, settings, req, lifetime)
        if is_not_modified(req.headers, headers["ETag"], obj.last_modified):
            return HttpResponse(304, headers)  # replaced between the HEAD and the GET by the same bytes
        etag = headers["ETag"]
        if chain is None:
            if outputs and obj.size > max_raw_body():
                return redirect(source.url_for(key), settings, req)  # too big for Lambda: fetch it directly
            check_payload(obj.size)
            if req.is_head:  # the headers say it all: the body is not read
                headers.update({"Content-Type": obj.content_type, "Content-Length": str(obj.size)})
                return HttpResponse(200, headers, b"", meta={"action": "original", "bytes_in": 0})
            body, content_type = obj.read(), obj.content_type
        else:
            output_key = settings.output_prefix + etag.strip('"')
            stored = look_up(outputs, output_key) if outputs else None
            if stored is not None:  # made and stored before: no work
                return from_store(stored, output_key, outputs, settings, req, headers)
            cap = settings.max_output_bytes if outputs else max_raw_body()
            where = STORED_LIMIT if outputs else "a Lambda response can carry"
            job = job_for(settings, deadline, budget or Budget(settings.memory_limit_mb), prefer, cap)
            started = time.perf_counter()
            rendered = render_object(obj, chain, settings, source, job, where)
            body, content_type = rendered.body, rendered.content_type
            if outputs and len(body) > max_raw_body():
                deadline.check(reserve=settings.s3.worst_call)  # a stalled PUT must not outlast the function
                url = outputs.store(output_key, body, content_type, headers["Cache-Control"])
                return redirect(url, settings, req)
            check_payload(len(body))
            if outputs and worth_storing(settings, (time.perf_counter() - started) * 1000, deadline):
                keep(outputs, output_key, body, content_type, headers)
    finally:
        obj.close()
    headers["Content-Type"] = content_type
    headers["Content-Length"] = str(len(body))
    described = chain is not None and chain.standalone is not None  # info, average-hue: our JSON
    meta = {"action": chain.calls[0].action.name if chain else "original", "bytes_in": obj.size}
    if chain is not None and rendered.cost is not None:
        meta.update(estimate_mb=round(rendered.cost.total_megabytes), estimate_s=round(rendered.cost.seconds, 2))
    return HttpResponse(200, headers, b"" if req.is_head else body, text=described, meta=meta)


def _found(opening, target: Target):
    """The opened object; OSS answers NoSuchStyle for `<key>!<name>` naming no style, but a key
    that merely contains the delimiter is served when it exists, so only a missing one gets that."""
    try:
        return opening()
    except OssError as err:
        if err.code == "NoSuchKey" and target.unknown_style:
            raise no_such_style(target.unknown_style) from None
        raise


def response_headers(obj, variant: str | None, settings: Settings, req: ImageRequest, lifetime) -> dict:
    """The answer's validators and caching, from the object's own (the same from a HEAD as from a GET)."""
    headers = {
        "ETag": derived_etag(obj.etag, variant),
        "Last-Modified": http_date(obj.last_modified),
        "Cache-Control": capped(obj.cache_control or settings.cache_control, lifetime),
        "x-oss-request-id": req.request_id,
    }
    if settings.auto_format:
        headers["Vary"] = "Accept"
    return headers


def worth_storing(settings: Settings, render_ms: float, deadline: Deadline = NO_DEADLINE) -> bool:
    """Storing costs a PUT and its storage; each later miss it answers saves a rendering. So a
    result is kept when its rendering took at least STORE_DERIVATIVES_MS, and only while the time
    left would outlast the PUT's worst case (the client must not wait on optional work)."""
    return 0 <= settings.store_derivatives_ms <= render_ms and deadline.allows(settings.s3.worst_call)


def look_up(outputs, key: str):
    """The stored result, or None: when the store cannot answer, the result is made again (and
    the failure logged) rather than the request failing."""
    try:
        return outputs.open(key)
    except Exception:
        LOG.warning("could not look up derivative %s", key, exc_info=True)
        return None


def keep(outputs, key: str, body: bytes, content_type: str, headers: dict) -> None:
    """Store a result for later misses. Optional work: if the store fails, the client still gets
    the result it asked for, and the failure is logged."""
    try:
        outputs.store(key, body, content_type, headers["Cache-Control"])
    except Exception:
        LOG.warning("could not keep derivative %s", key, exc_info=True)
        return
    headers[DERIVATIVE_HEADER] = "stored"


def from_store(stored, key: str, outputs, settings: Settings, req: ImageRequest, headers: dict) -> HttpResponse:
    """A stored result: passed on when a response can carry it, else redirected to."""
    try:
        if stored.size > max_raw_body():
            return redirect(outputs.url(key), settings, req)
        body = b"" if req.is_head else stored.read()
    finally:
        stored.close()
    headers.update({"Content-Type": stored.content_type, "Content-Length": str(stored.size), DERIVATIVE_HEADER: "hit"})
    described = stored.content_type == "application/json"  # info, average-hue: text, as when made
    return HttpResponse(200, headers, body, text=described, meta={"action": "stored", "bytes_in": stored.size})


def capped(cache_control: str, lifetime: float | None) -> str:
    """Cache-Control whose max-age and s-maxage end no later than `lifetime` seconds from now."""
    if lifetime is None:
        return cache_control
    limit = max(0, int(lifetime))

    def shorter(match) -> str:
        return f"{match.group(1)}={min(int(match.group(2)), limit)}"

    return re.sub(r"\b(max-age|s-maxage)=(\d+)", shorter, cache_control)
