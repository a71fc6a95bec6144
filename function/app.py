"""Lambda entry point: one handler for API Gateway REST (v1), HTTP API (v2) and Function URL events.

Each event is decoded once (`request.from_event`), answered by the service (`handle`), and
returned as the proxy response all three integrations take; Powertools logs, counts and traces
around it. Settings and the stores are built once per container, at init.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.functions import is_metrics_disabled
from PIL import Image

from ossimg.config import Settings
from ossimg.core.budget.costs import Budget
from ossimg.core.budget.deadline import Deadline
from ossimg.core.errors import OssError, too_large
from ossimg.service.access.signing import KeyRing
from ossimg.service.handle import Backends, handle
from ossimg.service.request import ImageRequest, from_event
from ossimg.service.response import LAMBDA_PAYLOAD_LIMIT, HttpResponse, error_response
from ossimg.service.styles.store import StyleStore
from ossimg.stores.s3 import S3Outputs, S3Source, s3_client, ssm_secrets

SETTINGS = Settings.from_env()
Image.core.set_blocks_max(SETTINGS.pillow_blocks_max)  # freed image memory kept for the next request

logger = Logger(service="oss-image")  # POWERTOOLS_SERVICE_NAME overrides
metrics = Metrics(namespace="OssImage")  # POWERTOOLS_METRICS_NAMESPACE overrides


class _NoTracer:
    """Tracing off: the same decorators, and the X-Ray SDK (~100 ms of cold start) never imported."""

    def capture_method(self, **_options):
        return lambda function: function

    def capture_lambda_handler(self, **_options):
        return lambda function: function


def _tracer():
    if not SETTINGS.tracing:
        return _NoTracer()
    from aws_lambda_powertools import Tracer

    return Tracer(service="oss-image")


tracer = _tracer()

S3 = s3_client(SETTINGS.s3)  # once per container, at init
SOURCE = S3Source(SETTINGS.bucket, S3, SETTINGS.s3.total)


def _ring(fixed: tuple[str, ...], parameter: str) -> KeyRing:
    fetch = ssm_secrets(parameter) if parameter else None
    return KeyRing(list(fixed), fetch, SETTINGS.signing_keys_cache_seconds)


def _targets() -> dict:
    """The buckets sys/saveas may write to, by the name clients use; none unless SAVEAS is on."""
    if not SETTINGS.saveas:
        return {}
    mapped = {name: S3Source(bucket, S3, SETTINGS.s3.total) for name, bucket in SETTINGS.saveas_targets.items()}
    return {SETTINGS.signing_bucket: SOURCE, **mapped}


BACKENDS = Backends(
    source=SOURCE,
    styles=StyleStore(SOURCE, SETTINGS.style_prefix, SETTINGS.style_cache_seconds),
    keys=_ring(SETTINGS.signing_keys, SETTINGS.signing_keys_parameter),
    outputs=S3Outputs(SETTINGS.output_bucket, S3, SETTINGS.output_base_url, total=SETTINGS.s3.total)
    if SETTINGS.output_bucket
    else None,
    oss_keys=_ring(SETTINGS.oss_access_keys, SETTINGS.oss_access_keys_parameter),
    targets=_targets(),
)
if not SETTINGS.bucket:
    logger.error("SOURCE_BUCKET is not set: every request will fail")


@tracer.capture_method(capture_response=False)  # never the image in a trace
def route(req: ImageRequest, context) -> HttpResponse:
    deadline = Deadline.from_context(context, SETTINGS.deadline_margin_ms)
    # Lambda's runtime gives the memory size as a string (its AWS_LAMBDA_FUNCTION_MEMORY_SIZE).
    budget = Budget(int(getattr(context, "memory_limit_in_mb", None) or SETTINGS.memory_limit_mb))
    return handle(req, SETTINGS, BACKENDS, deadline, budget)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=not is_metrics_disabled())  # Powertools prints it even when off
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict, context) -> dict:
    started = time.perf_counter()
    req = from_event(event)
    if cf_id := req.headers.get("x-amz-cf-id"):
        logger.append_keys(cf_id=cf_id)  # joins our logs with CloudFront's
    try:
        result = route(req, context)
    except Exception:  # a bug or an outage, never the client's input: log the stack, not the body
        logger.exception("unexpected failure", extra={"key": req.key, "oss_process": req.process})
        err = OssError("InternalError", f"We encountered an internal error. Request id {req.request_id}.", 500)
        result = _error(err, req)
    _record(req, result, (time.perf_counter() - started) * 1000)
    return proxy(result, req)


def proxy(result: HttpResponse, req: ImageRequest) -> dict:
    """The response all three integrations take: text bodies (our XML and JSON) as text, images
    as base64; none for HEAD and 304."""
    body = b"" if result.status == 304 or req.is_head else result.body
    response: dict[str, Any] = {
        "statusCode": result.status,
        "headers": dict(result.headers),
        "body": body.decode() if result.text else base64.b64encode(body).decode(),
        "isBase64Encoded": bool(body) and not result.text,
    }
    envelope = len(json.dumps({**response, "body": ""}))  # base64 needs no escaping: no second serialisation
    if envelope + len(response["body"]) > LAMBDA_PAYLOAD_LIMIT:
        # The last net behind the service's own check: Lambda itself would fail the invocation.
        logger.error("response over the Lambda payload limit")
        return proxy(_error(too_large("The response is larger than a Lambda response can carry."), req), req)
    return response


def _error(err: OssError, req: ImageRequest) -> HttpResponse:
    return error_response(err, req.request_id, req.headers.get("host", ""), SETTINGS.error_cache_control)


def _record(req: ImageRequest, result: HttpResponse, latency_ms: float) -> None:
    """One request per invocation, so its dimensions are the invocation's: few values each."""
    meta = result.meta
    metrics.clear_metrics()  # with metrics disabled Powertools never flushes, so dimensions would pile up
    content_type = result.headers.get("Content-Type", "")
    metrics.add_dimension(name="Action", value=meta.get("action", "none"))
    metrics.add_dimension(
        name="Format", value=(content_type.split("/")[-1] or "none") if result.status < 300 else str(result.status)
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
