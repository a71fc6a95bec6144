"""Lambda entry point: Powertools routing, logging and metrics around ossimg.service.

One handler serves API Gateway REST (v1), HTTP API (v2) and Function URL events, GET and HEAD.
"""

from __future__ import annotations

import json
import os

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import (
    APIGatewayHttpResolver,
    APIGatewayRestResolver,
    LambdaFunctionUrlResolver,
    Response,
)
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from ossimg import request as image_request
from ossimg import response as image_response
from ossimg.errors import OssError
from ossimg.service import Settings, handle
from ossimg.source import S3Source

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "oss-image"))
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "OssImage"))
router = Router()


@router.route("/(.+)", method=["GET", "HEAD"])  # a dynamic catch-all: keys contain slashes
def serve_image():
    req = image_request.from_event(router.current_event.raw_event)
    settings = Settings.from_env()
    try:
        result = handle(req, S3Source(settings.bucket), settings)
    except Exception:
        logger.exception("unexpected failure", extra={"key": req.key, "oss_process": req.process})
        err = OssError("InternalError", f"We encountered an internal error. Request id {req.request_id}.", 500)
        result = image_response.error_response(err, req.request_id, "", "no-store")
    _record(req, result)
    return _to_powertools(result, req.is_head)


def _record(req, result) -> None:
    metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
    if result.status >= 400:
        metrics.add_metric(name="ClientErrors" if result.status < 500 else "ServerErrors", unit=MetricUnit.Count, value=1)
    else:
        metrics.add_metric(name="BytesOut", unit=MetricUnit.Bytes, value=int(result.headers.get("Content-Length", 0)))
    logger.info("served", extra={"status": result.status, "key": req.key, "oss_process": req.process})


def _to_powertools(result, head: bool) -> Response:
    headers = dict(result.headers)
    content_type = headers.pop("Content-Type", None)
    body = None if result.status == 304 or head else result.body
    if body is not None and content_type and not content_type.startswith("image/"):
        body = body.decode()  # text bodies (XML, JSON) go out as text, not base64
    return Response(status_code=result.status, content_type=content_type, body=body, headers=headers)


def _not_found(_exc) -> Response:
    event = router.current_event.raw_event if router.current_event else {}
    req = image_request.from_event(event)
    if req.method not in ("GET", "HEAD"):
        err = OssError("MethodNotAllowed", f"The method {req.method} is not allowed; use GET or HEAD.", 405)
    else:
        err = OssError("InvalidArgument", "No object key is given in the path.", 400)
    return _to_powertools(image_response.error_response(err, req.request_id, "", "public, max-age=60"), False)


def _resolver(cls):
    resolver = cls()
    resolver.include_router(router)
    resolver.not_found(_not_found)
    return resolver


REST, HTTP_API, FUNCTION_URL = (_resolver(c) for c in (APIGatewayRestResolver, APIGatewayHttpResolver, LambdaFunctionUrlResolver))


def _resolver_for(event: dict):
    if event.get("version") != "2.0":
        return REST
    if ".lambda-url." in (event.get("requestContext") or {}).get("domainName", ""):
        return FUNCTION_URL
    return HTTP_API


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict, context) -> dict:
    result = _resolver_for(event).resolve(event, context)
    if len(json.dumps(result)) > image_response.LAMBDA_PAYLOAD_LIMIT:  # the last net; see check_payload
        logger.error("response over the Lambda payload limit")
        err = OssError("ImageTooLarge", "The response is larger than a Lambda response can carry.", 400)
        req = image_request.from_event(event)
        small = image_response.error_response(err, req.request_id, "", "public, max-age=60")
        result = _plain(small, event)
    return result


def _plain(result, event: dict) -> dict:
    """A minimal proxy response for the over-limit net (no resolver round trip)."""
    body = result.body.decode()
    if event.get("version") == "2.0":
        return {"statusCode": result.status, "headers": result.headers, "body": body, "isBase64Encoded": False}
    return {
        "statusCode": result.status,
        "multiValueHeaders": {k: [v] for k, v in result.headers.items()},
        "body": body,
        "isBase64Encoded": False,
    }
