"""Request decoding: an API Gateway REST (v1), HTTP API (v2) or Function URL event -> ImageRequest.

REST and Function URL paths arrive still percent-encoded and are decoded once here (`+`
stays `+`); HTTP API paths arrive decoded. x-oss-process comes from the query string.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import NamedTuple
from urllib.parse import parse_qsl, unquote

from ..core.errors import OssError

PROCESS_PARAM = "x-oss-process"
MAX_KEY_BYTES = 1024


EMPTY = MappingProxyType({})  # a default mapping no caller can change


class ImageRequest(NamedTuple):
    method: str
    key: str
    process: str | None
    headers: dict = EMPTY  # lower-case names
    request_id: str = ""
    query: tuple[tuple[str, str], ...] = ()  # every query parameter, decoded, in order

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
    return ImageRequest(method.upper(), key, process or None, headers, request_id, query)


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


def validate_key(key: str) -> None:
    if not key:
        raise OssError("InvalidArgument", "No object key is given in the path.", 400)
    if len(key.encode()) > MAX_KEY_BYTES:
        raise OssError("KeyTooLong", f"The object key is longer than {MAX_KEY_BYTES} bytes.", 400)
