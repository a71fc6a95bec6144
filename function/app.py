"""Lambda entry point: Powertools routing, logging, metrics and tracing around ossimg.service.

One handler serves API Gateway REST (v1), HTTP API (v2) and Function URL events, GET and HEAD.
Settings and the backends (S3 source and outputs, styles, signing keys) are built once per
container, at init.
"""

from __future__ import annotations

import json
import os
import time

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import (
    APIGatewayHttpResolver,
    APIGatewayRestResolver,
    LambdaFunctionUrlResolver,
    Response,
)
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

from ossimg import request as image_request
from ossimg import response as image_response
from ossimg.costs import Budget
from ossimg.deadline import Deadline
from ossimg.errors import OssError, too_large
from ossimg.service import Backends, Settings, handle
from ossimg.signing import KeyRing
from ossimg.source import S3Outputs, S3Source, s3_client
from ossimg.styles import StyleStore

logger = Logger(service="oss-image")  # POWERTOOLS_SERVICE_NAME overrides
metrics = Metrics(namespace="OssImage")  # POWERTOOLS_METRICS_NAMESPACE overrides


class _NoTracer:
    """Tracing off: the same decorators, and the X-Ray SDK (~100 ms of cold start) never imported."""

    def capture_method(self, **_options):
        return lambda function: function

    def capture_lambda_handler(self, **_options):
        return lambda function: function


tracer = Tracer(service="oss-image") if os.environ.get("TRACING", "").lower() == "true" else _NoTracer()
router = Router()

SETTINGS = Settings.from_env()
SOURCE = S3Source(SETTINGS.bucket, s3_client())  # once per container, at init
STYLES = StyleStore(SOURCE, SETTINGS.style_prefix, SETTINGS.style_cache_seconds)


def ssm_keys(name: str):
    """Signing secrets from an SSM parameter (SecureString, comma-separated), read when the ring asks."""

    def fetch() -> list[str]:
        import boto3

        value = boto3.client("ssm").get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
        return [key.strip() for key in value.split(",") if key.strip()]

    return fetch


KEYS = KeyRing(
    [key.strip() for key in os.environ.get("SIGNING_KEYS", "").split(",") if key.strip()],
    ssm_keys(os.environ["SIGNING_KEYS_PARAMETER"]) if os.environ.get("SIGNING_KEYS_PARAMETER") else None,
    float(os.environ.get("SIGNING_KEYS_CACHE_SECONDS") or 300),
)
OUTPUTS = (
    S3Outputs(os.environ["OUTPUT_BUCKET"], s3_client(), os.environ.get("OUTPUT_BASE_URL", ""))
    if os.environ.get("OUTPUT_BUCKET")
    else None
)
BACKENDS = Backends(SOURCE, STYLES, KEYS, OUTPUTS)
if not SETTINGS.bucket:
    logger.error("SOURCE_BUCKET is not set: every request will fail")


@router.route("/(.+)", method=["GET", "HEAD"])  # a dynamic catch-all: keys contain slashes
@tracer.capture_method(capture_response=False)  # never the image in a trace
def serve_image():
    started = time.perf_counter()
    req = image_request.from_event(router.current_event.raw_event)
    if cf_id := req.headers.get("x-amz-cf-id"):
        logger.append_keys(cf_id=cf_id)  # joins our logs with CloudFront's
    deadline = Deadline.from_context(router.lambda_context, SETTINGS.deadline_margin_ms)
    try:
        budget = Budget(getattr(router.lambda_context, "memory_limit_in_mb", None) or SETTINGS.memory_limit_mb)
        result = handle(req, SETTINGS, BACKENDS, deadline, budget)
    except Exception:  # a bug or an outage, never the client's input: log the stack, not the body
        logger.exception("unexpected failure", extra={"key": req.key, "oss_process": req.process})
        result = _error(
            OssError("InternalError", f"We encountered an internal error. Request id {req.request_id}.", 500), req
        )
    _record(req, result, (time.perf_counter() - started) * 1000)
    return _to_powertools(result, req.is_head)


def no_route(_exc):
    req = image_request.from_event(router.current_event.raw_event)
    if req.method not in ("GET", "HEAD"):
        err = OssError(
            "MethodNotAllowed",
            f"The method {req.method} is not allowed; use GET or HEAD.",
            405,
            headers={"Allow": "GET, HEAD"},
        )
    else:
        err = OssError("InvalidArgument", "No object key is given in the path.", 400)
    result = _error(err, req)
    _record(req, result, 0.0)
    return _to_powertools(result, req.is_head)


def _error(err: OssError, req) -> image_response.HttpResponse:
    return image_response.error_response(err, req.request_id, req.headers.get("host", ""), SETTINGS.error_cache_control)


def _record(req, result, latency_ms: float) -> None:
    """One request per invocation, so its dimensions are the invocation's: few values each."""
    meta = result.meta
    metrics.clear_metrics()  # with metrics disabled Powertools never flushes, so dimensions would pile up
    content_type = result.headers.get("Content-Type", "")
    metrics.add_dimension(name="Action", value=meta.get("action", "none"))
    metrics.add_dimension(
        name="Format", value=content_type.split("/")[-1] if result.status < 300 else str(result.status)
    )
    metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=latency_ms)
    if "error" in meta:
        metrics.add_dimension(name="ErrorCode", value=meta["error"])
        metrics.add_metric(
            name="ServerErrors" if result.status >= 500 else "ClientErrors", unit=MetricUnit.Count, value=1
        )
    elif result.status == 200:
        metrics.add_metric(name="BytesIn", unit=MetricUnit.Bytes, value=meta.get("bytes_in", 0))
        metrics.add_metric(name="BytesOut", unit=MetricUnit.Bytes, value=int(result.headers.get("Content-Length", 0)))
    logger.info(
        "served",
        extra={"status": result.status, "key": req.key, "oss_process": req.process, "ms": round(latency_ms, 1), **meta},
    )


def _to_powertools(result: image_response.HttpResponse, head: bool) -> Response:
    headers = dict(result.headers)
    content_type = headers.pop("Content-Type", None)
    body = None if result.status == 304 or head else result.body
    if body is not None and result.text:
        body = body.decode()  # our XML and JSON go out as text; everything else as base64
    return Response(status_code=result.status, content_type=content_type, body=body, headers=headers)


def _serialised_size(result: dict) -> int:
    """The response's JSON size without serialising a multi-MB body again (base64 needs no escaping)."""
    body = result.get("body") or ""
    envelope = json.dumps({k: v for k, v in result.items() if k != "body"})
    return len(envelope) + (len(body) + 2 if result.get("isBase64Encoded") else len(json.dumps(body)))


def _keep_bytes(body):
    """Powertools serialises every non-str JSON body; stored .json objects are bytes to send as they are."""
    return body if isinstance(body, bytes) else json.dumps(body)


def _resolver(cls):
    resolver = cls(serializer=_keep_bytes)
    resolver.include_router(router)
    resolver.not_found(no_route)
    return resolver


REST, HTTP_API, FUNCTION_URL = (
    _resolver(c) for c in (APIGatewayRestResolver, APIGatewayHttpResolver, LambdaFunctionUrlResolver)
)


def _resolver_for(event: dict):
    if event.get("version") != "2.0":
        return REST
    if ".lambda-url." in (event.get("requestContext") or {}).get("domainName", ""):
        return FUNCTION_URL
    return HTTP_API


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=not is_metrics_disabled())  # Powertools prints it even when off
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict, context) -> dict:
    resolver = _resolver_for(event)
    result = resolver.resolve(event, context)
    if _serialised_size(result) > image_response.LAMBDA_PAYLOAD_LIMIT:
        # The last net behind service's check_payload: Lambda itself would fail the invocation.
        logger.error("response over the Lambda payload limit")
        err = too_large("The response is larger than a Lambda response can carry.")
        small = _error(err, image_request.from_event(event))
        result = {
            "statusCode": small.status,
            "headers": small.headers,
            "body": small.body.decode(),
            "isBase64Encoded": False,
        }
    return result
