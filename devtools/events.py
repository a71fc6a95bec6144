"""API Gateway REST (v1 proxy) events built the way API Gateway builds them.

The path stays percent-encoded (no stage); query values are form-decoded; the single-value
maps keep the last duplicate; a body arrives base64-encoded, as every type is binary to the
API. Shared by the local server, `make invoke` and the tests.
"""

from __future__ import annotations

import base64
import os
import uuid
from urllib.parse import parse_qsl


def rest_event(
    method: str,
    raw_path: str,
    raw_query: str = "",
    headers: dict | None = None,
    stage: str = "prod",
    body: bytes = b"",
) -> dict:
    pairs = parse_qsl(raw_query, keep_blank_values=True)
    multi: dict[str, list[str]] = {}
    for k, v in pairs:
        multi.setdefault(k, []).append(v)
    headers = dict(headers or {})
    request_id = str(uuid.uuid4())
    return {
        "resource": "/{proxy+}",
        "path": raw_path,
        "httpMethod": method,
        "headers": headers or None,
        "multiValueHeaders": {k: [v] for k, v in headers.items()} or None,
        "queryStringParameters": {k: v[-1] for k, v in multi.items()} or None,
        "multiValueQueryStringParameters": multi or None,
        "pathParameters": {"proxy": raw_path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "path": f"/{stage}{raw_path}",
            "stage": stage,
            "requestId": request_id,
            "identity": {"sourceIp": "127.0.0.1"},
        },
        "body": base64.b64encode(body).decode() if body else None,  # the API's binary media types: */*
        "isBase64Encoded": bool(body),
    }


class FakeContext:
    """The parts of a Lambda context that Powertools and the handler read."""

    function_name = "oss-image-local"
    function_version = "$LATEST"
    # The template's MemorySize, as a string: Lambda's runtime passes its environment variable on.
    memory_limit_in_mb = os.environ.get("MEMORY_LIMIT_MB") or "1769"
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:oss-image-local"

    def __init__(self):
        self.aws_request_id = str(uuid.uuid4())

    def get_remaining_time_in_millis(self) -> int:
        return 28_000
