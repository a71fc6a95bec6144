"""Logs and metrics: structured, low-cardinality, never the image."""

import json

import pytest

from conftest import to_reply
from devtools.events import FakeContext, rest_event


def emf_and_logs(capsys, log=None):
    text = capsys.readouterr().out + (log.getvalue() if log else "")
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    return [x for x in lines if "_aws" in x], [x for x in lines if "message" in x]


def test_a_processed_request_emits_metrics_and_a_log_line(s3, capsys, monkeypatch):
    import io

    import app

    log = io.StringIO()  # the logger keeps the stdout it saw at import, so read its handler directly
    for handler in app.logger.handlers:
        monkeypatch.setattr(handler, "stream", log)
    app.logger.setLevel("INFO")  # the suite runs at WARNING
    capsys.readouterr()
    event = rest_event("GET", "/example.jpg", "x-oss-process=image/resize,w_100", {"X-Amz-Cf-Id": "cf-123=="})
    assert to_reply(app.handler(event, FakeContext())).status == 200
    metrics, logs = emf_and_logs(capsys, log)
    blob = next(m for m in metrics if "Requests" in m)
    names = {d["Name"] for d in blob["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert {"Requests", "Latency", "BytesIn", "BytesOut"} <= names
    assert (blob["Action"], blob["Format"]) == ("resize", "jpeg")
    assert blob["BytesIn"] == [21839.0]
    served = next(line for line in logs if line["message"] == "served")
    assert served["cf_id"] == "cf-123==" and served["status"] == 200 and served["correlation_id"]
    assert "body" not in served and len(json.dumps(served)) < 2000  # no image bytes in logs
    app.logger.setLevel("WARNING")
    app.logger.remove_keys(["cf_id"])


def test_errors_are_counted_by_code(s3, capsys):
    import app

    capsys.readouterr()
    app.handler(rest_event("GET", "/example.jpg", "x-oss-process=image/resize,w_0"), FakeContext())
    metrics, _ = emf_and_logs(capsys)
    blob = next(m for m in metrics if "Requests" in m)
    assert blob["ErrorCode"] == "InvalidArgument" and blob["ClientErrors"] == [1.0] and blob["Format"] == "400"


def test_tracing_is_opt_in_and_costs_nothing_when_off():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    code = "import sys, app; print('aws_xray_sdk.core' in sys.modules, type(app.tracer).__name__)"
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(root / "function"),
        "SOURCE_BUCKET": "b",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    off = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert off.stdout.split()[-2:] == ["False", "_NoTracer"]
    on = subprocess.run([sys.executable, "-c", code], env={**env, "TRACING": "true"}, capture_output=True, text=True)
    assert on.stdout.split()[-1:] == ["Tracer"]


@pytest.mark.parametrize("disabled", ["true", "false"])
def test_warm_requests_print_no_warnings(s3, monkeypatch, capsys, disabled):
    """Powertools never flushes disabled metrics, so per-request dimensions used to pile up and warn."""
    import warnings

    import app

    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", disabled)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for width in range(1000):
            event = rest_event("GET", "/example.jpg", f"x-oss-process=image/resize,w_{width % 7 + 10}")
            assert to_reply(app.handler(event, FakeContext())).status == 200
    printed = [line for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert len(printed) == (0 if disabled == "true" else 1000)
