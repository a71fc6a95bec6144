"""Request decoding: an API Gateway REST (v1), HTTP API (v2) or Function URL event -> ImageRequest.

REST and Function URL paths arrive still percent-encoded and are decoded once here (`+`
stays `+`); HTTP API paths arrive decoded. x-oss-process comes from the query string; a body
(POST, PUT) arrives as text or base64.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, unquote

from ..core.errors import OssError

PROCESS_PARAM = "x-oss-process"
MAX_KEY_BYTES = 1024
MAX_BODY_BYTES = 64 * 1024  # the bodies we take (a saveas form, a style) are a few hundred bytes


EMPTY: Mapping[str, Any] = MappingProxyType({})  # a default mapping no caller can change


class ImageRequest(NamedTuple):
    method: str
    key: str
    process: str | None
    headers: Mapping[str, str] = EMPTY  # lower-case names
    request_id: str = ""
    query: tuple[tuple[str, str], ...] = ()  # every query parameter, decoded, in order
    body: bytes = b""

    def param(self, name: str) -> str | None:
        """A query parameter's last value, or None when absent."""
        return next((v for k, v in reversed(self.query) if k == name), None)

    @property
    def is_head(self) -> bool:
        return self.method == "HEAD"


def from_event(event: dict) -> ImageRequest:
    if event.get("version") == "2.0":
        method, key = _v2(event)
        query = tuple(parse_qsl(event.get("rawQueryString") or "", keep_blank_values=True))
    else:
        method = event.get("httpMethod", "GET")
        key = unquote(event.get("path") or "/")[1:]
        multi = event.get("multiValueQueryStringParameters") or {
            k: [v] for k, v in (event.get("queryStringParameters") or {}).items()
        }
        query = tuple((k, v) for k, values in multi.items() for v in values)
    process = next((v for k, v in reversed(query) if k == PROCESS_PARAM), None)
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    request_id = (event.get("requestContext") or {}).get("requestId", "")
    return ImageRequest(method.upper(), key, process or None, headers, request_id, query, _body(event))


def _body(event: dict) -> bytes:
    raw = event.get("body") or ""
    if not event.get("isBase64Encoded"):
        return raw.encode()
    try:
        return base64.b64decode(raw)
    except (binascii.Error, ValueError):
        raise OssError("InvalidArgument", "The request body is not valid base64.", 400) from None


def _v2(event: dict) -> tuple[str, str]:
    context = event.get("requestContext") or {}
    method = (context.get("http") or {}).get("method", "GET")
    path = event.get("rawPath") or "/"
    if ".lambda-url." in context.get("domainName", ""):
        path = unquote(path)  # Function URLs keep the path encoded
    else:
        stage = context.get("stage", "$default")
        if stage != "$default" and path.startswith(f"/{stage}/"):
            path = path[len(stage) + 1 :]
    return method, path[1:]


def validate_key(key: str | None) -> str:
    """The key, when it names an object (400 otherwise)."""
    if not key:
        raise OssError("InvalidArgument", "No object key is given in the path.", 400)
    if len(key.encode()) > MAX_KEY_BYTES:
        raise OssError("KeyTooLong", f"The object key is longer than {MAX_KEY_BYTES} bytes.", 400)
    return key


def check_body(req: ImageRequest) -> None:
    """A body we take is small, and matches its Content-MD5 when the client sent one."""
    if len(req.body) > MAX_BODY_BYTES:
        raise OssError("EntityTooLarge", f"The request body is larger than {MAX_BODY_BYTES} bytes.", 400)
    declared = req.headers.get("content-md5")
    if declared is not None:
        actual = base64.b64encode(hashlib.md5(req.body).digest()).decode()
        if not hmac.compare_digest(declared.strip().encode(), actual.encode()):
            raise OssError("InvalidDigest", "The Content-MD5 you specified did not match what we received.", 400)
