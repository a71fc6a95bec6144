"""HTTP responses: image bodies with validators and cache headers, 304s, and OSS's XML errors."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from types import MappingProxyType
from typing import Any, NamedTuple

from ..core.errors import OssError

# Lambda's buffered response limit covers the whole JSON document (base64 body + envelope).
LAMBDA_PAYLOAD_LIMIT = 6_291_556
ENVELOPE_ALLOWANCE = 16 * 1024  # headers, status and JSON quoting, with room to spare
PIPELINE_VERSION = "1"  # bump when the same request would give different bytes


EMPTY: Mapping[str, Any] = MappingProxyType({})  # a default mapping no caller can change
RECOMMEND_DOC = "https://api.aliyun.com/troubleshoot?q="  # OSS links each EC to its diagnosis page


class HttpResponse(NamedTuple):
    status: int
    headers: Mapping[str, str] = EMPTY
    body: bytes = b""
    text: bool = False  # a body we wrote as UTF-8 (XML, JSON); stored objects are always bytes
    meta: Mapping[str, Any] = EMPTY  # what happened, for metrics: action, format, bytes in


def derived_etag(source_etag: str, canonical_process: str | None) -> str:
    """Strong ETag: the source's for untouched bytes, else a hash of source + normal-form request."""
    if canonical_process is None:
        return source_etag
    digest = hashlib.sha256(f"{source_etag}\n{canonical_process}\n{PIPELINE_VERSION}".encode()).hexdigest()
    return f'"{digest[:32]}"'


def is_not_modified(headers: Mapping[str, str], etag: str, last_modified: datetime) -> bool:
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return "*" in tags or etag in tags
    since = headers.get("if-modified-since")
    if since:
        try:
            return last_modified.replace(microsecond=0) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def max_raw_body() -> int:
    """The largest body whose base64 still fits Lambda's response limit."""
    return (LAMBDA_PAYLOAD_LIMIT - ENVELOPE_ALLOWANCE) // 4 * 3


def check_payload(nbytes: int) -> None:
    if nbytes > max_raw_body():
        raise OssError(
            "ImageTooLarge",
            f"The response would be {nbytes} bytes; a Lambda response can carry at most {max_raw_body()} "
            "bytes. Ask for a smaller size, a lower quality or a more compact format.",
            400,
        )


def escape(text: str) -> str:
    """XML text: & < > escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def error_xml(err: OssError, request_id: str, host: str) -> bytes:
    parts = [
        f"<Code>{escape(err.code)}</Code>",
        f"<Message>{escape(err.message)}</Message>",
        f"<RequestId>{escape(request_id)}</RequestId>",
        f"<HostId>{escape(host)}</HostId>",
    ]
    parts += [f"<{name}>{escape(value)}</{name}>" for name, value in err.details]
    if err.ec:
        parts.append(f"<EC>{escape(err.ec)}</EC>")
        parts.append(f"<RecommendDoc>{RECOMMEND_DOC}{escape(err.ec)}</RecommendDoc>")
    inner = "\n  ".join(parts)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n  {inner}\n</Error>\n'.encode()


def error_response(err: OssError, request_id: str, host: str, cache_control: str) -> HttpResponse:
    body = error_xml(err, request_id, host)
    headers = {
        "Content-Type": "application/xml",
        "Content-Length": str(len(body)),
        "Cache-Control": cache_control if err.status < 500 else "no-store",
        "x-oss-request-id": request_id,
    }
    if err.ec:
        headers["x-oss-ec"] = err.ec
    headers.update(err.headers)
    return HttpResponse(err.status, headers, body, text=True, meta={"error": err.code})
