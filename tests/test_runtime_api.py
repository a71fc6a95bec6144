"""devtools/arm64/runtime_api.py: Lambda's Runtime API as `make arm64-test` serves it to the
deployed function's runtime client; here a plain HTTP client plays that runtime."""

from __future__ import annotations

import http.client
import json
import threading
import time

import pytest

from devtools.arm64.runtime_api import ARN, RESPONSE_LIMIT, InitError, RuntimeApi

NEXT = "/2018-06-01/runtime/invocation/next"


@pytest.fixture
def api():
    server = RuntimeApi().start()
    yield server
    server.close()


def call(api, method: str, path: str, body: bytes = b"", headers: dict | None = None):
    host, port = api.address.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    return response.status, dict(response.getheaders()), response.read()


def runtime(api, answer):
    """A runtime in a thread: takes the next invocation and answers it with answer(id, event,
    headers); the returned function waits for it and gives what it saw and got back."""
    seen = {}

    def loop():
        status, headers, body = call(api, "GET", NEXT)
        seen.update(status=status, headers=headers, event=json.loads(body))
        seen["reply"] = answer(headers["Lambda-Runtime-Aws-Request-Id"], seen["event"], headers)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()

    def finished() -> dict:
        thread.join(10)
        return seen

    return finished


def post(api, rid: str, what: str, body: bytes, headers: dict | None = None):
    return call(api, "POST", f"/2018-06-01/runtime/invocation/{rid}/{what}", body, headers)


def test_an_invocation_is_handed_out_with_lambdas_headers_and_answered(api):
    finished = runtime(api, lambda rid, event, _: post(api, rid, "response", json.dumps({"got": event}).encode()))
    before = time.time()
    outcome = api.invoke({"path": "/x"}, timeout_s=28)
    assert outcome.kind == "response" and outcome.payload == {"got": {"path": "/x"}}
    seen = finished()
    assert seen["status"] == 200 and seen["reply"][0] == 202
    headers = seen["headers"]
    assert headers["Lambda-Runtime-Invoked-Function-Arn"] == ARN
    assert headers["Lambda-Runtime-Trace-Id"].startswith("Root=")
    assert before + 27 < int(headers["Lambda-Runtime-Deadline-Ms"]) / 1000 < time.time() + 29
    assert api.init_seconds is not None and api.init_seconds >= 0


def test_an_invocation_error_carries_its_type(api):
    body = json.dumps({"errorMessage": "boom", "errorType": "ValueError", "stackTrace": []}).encode()
    runtime(
        api, lambda rid, *_: post(api, rid, "error", body, {"Lambda-Runtime-Function-Error-Type": "Runtime.Unhandled"})
    )
    outcome = api.invoke({}, timeout_s=28)
    assert outcome.kind == "error" and outcome.error_type == "Runtime.Unhandled"
    assert outcome.payload["errorType"] == "ValueError"


def test_a_response_over_six_megabytes_is_refused_as_lambda_refuses_it(api):
    body = b'"' + b"x" * RESPONSE_LIMIT + b'"'
    finished = runtime(api, lambda rid, *_: post(api, rid, "response", body))
    outcome = api.invoke({}, timeout_s=28)
    assert outcome.kind == "error" and outcome.error_type == "Function.ResponseSizeTooLarge"
    assert finished()["reply"][0] == 413


def test_an_init_error_fails_what_waits_and_what_follows(api):
    def fail_init():
        time.sleep(0.3)
        body = json.dumps({"errorMessage": "no module", "errorType": "Runtime.ImportModuleError"}).encode()
        call(
            api,
            "POST",
            "/2018-06-01/runtime/init/error",
            body,
            {"Lambda-Runtime-Function-Error-Type": "Runtime.ImportModuleError"},
        )

    threading.Thread(target=fail_init, daemon=True).start()
    with pytest.raises(InitError) as failed:
        api.invoke({}, timeout_s=28)
    assert failed.value.error_type == "Runtime.ImportModuleError"
    with pytest.raises(InitError):
        api.invoke({}, timeout_s=28)


def test_unknown_requests_and_a_dead_runtime_are_errors_not_hangs(api):
    assert call(api, "POST", "/2018-06-01/runtime/invocation/nope/response", b"{}")[0] == 400
    assert call(api, "GET", "/2018-06-01/runtime/elsewhere")[0] == 404
    with pytest.raises(RuntimeError, match="exited"):
        api.invoke({}, timeout_s=28, alive=lambda: False)
