"""Lambda's Runtime API (version 2018-06-01), as a function's runtime client sees it.

Written to AWS's API reference for custom runtimes: the runtime asks for its next invocation
with GET /runtime/invocation/next (held open until there is one; the event is the body, its
request id, deadline, function ARN and trace id are headers), answers it with POST
/runtime/invocation/{id}/response or .../error (the error type in Lambda-Runtime-Function-Error-Type),
and reports a failed initialisation with POST /runtime/init/error. As on Lambda, a response over
6 MB is refused with 413 and the invocation fails as Function.ResponseSizeTooLarge. One
invocation at a time, as one execution environment runs them.
"""

from __future__ import annotations

import json
import queue
import threading
import time
import uuid
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import NamedTuple

PREFIX = "/2018-06-01/runtime"
RESPONSE_LIMIT = 6_291_556  # bytes of a buffered response, Lambda's own figure
ARN = "arn:aws:lambda:us-east-1:000000000000:function:ImageFunction"


class Outcome(NamedTuple):
    """How an invocation ended: "response" (payload: the handler's return value), "error" (payload:
    the runtime's errorMessage/errorType/stackTrace, error_type: its header) or "init_error"."""

    kind: str
    payload: object
    error_type: str | None
    seconds: float


class InitError(Exception):
    def __init__(self, error_type: str, payload: object):
        super().__init__(f"{error_type}: {payload}")
        self.error_type, self.payload = error_type, payload


class _Invocation:
    def __init__(self, event: object, timeout_s: float):
        self.id = str(uuid.uuid4())
        self.body = json.dumps(event).encode()
        self.timeout_s = timeout_s
        self.handed_out = 0.0
        self.done = threading.Event()
        self.outcome: Outcome | None = None

    def end(self, kind: str, payload: object, error_type: str | None = None) -> None:
        self.outcome = Outcome(kind, payload, error_type, time.monotonic() - self.handed_out)
        self.done.set()


class RuntimeApi:
    """A Runtime API on 127.0.0.1; `address` is what AWS_LAMBDA_RUNTIME_API takes."""

    def __init__(self) -> None:
        self.started = 0.0
        self.first_poll: float | None = None  # when the runtime finished its init and asked for work
        self.init_error: InitError | None = None
        self._pending: queue.Queue[_Invocation] = queue.Queue()
        self._by_id: dict[str, _Invocation] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def address(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    def start(self) -> RuntimeApi:
        self.started = time.monotonic()
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def init_seconds(self) -> float | None:
        """From the API's start (the environment's) to the runtime's first poll: Lambda's Init Duration."""
        return None if self.first_poll is None else self.first_poll - self.started

    def invoke(self, event: object, timeout_s: float, alive: Callable[[], bool] = lambda: True) -> Outcome:
        """Hand `event` to the runtime with a deadline `timeout_s` away and wait for its answer: at
        most twice that (a runtime still initialising gets the time again), and only while `alive()`."""
        if self.init_error is not None:
            raise self.init_error
        invocation = _Invocation(event, timeout_s)
        self._by_id[invocation.id] = invocation
        self._pending.put(invocation)
        waited = 0.0
        while not invocation.done.wait(0.25):
            waited += 0.25
            if not alive():
                raise RuntimeError("the runtime exited without answering")
            if waited > 2 * timeout_s:
                raise TimeoutError(f"no answer from the runtime within {waited:.0f} s")
        if invocation.outcome.kind == "init_error":
            raise self.init_error
        return invocation.outcome

    def _init_failed(self, error_type: str, payload: object) -> None:
        self.init_error = InitError(error_type, payload)
        for invocation in list(self._by_id.values()):
            if not invocation.done.is_set():
                invocation.end("init_error", payload, error_type)

    def _handler_class(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # the runtime client keeps its connection open

            def log_message(self, *args) -> None:
                pass

            def _reply(self, status: int, body: bytes = b"", headers: dict | None = None) -> None:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _status(self, status: HTTPStatus, error_type: str = "", message: str = "") -> None:
                body = {"errorType": error_type, "errorMessage": message} if error_type else {"status": "OK"}
                self._reply(status, json.dumps(body).encode(), {"Content-Type": "application/json"})

            def do_GET(self) -> None:
                if self.path != f"{PREFIX}/invocation/next":
                    return self._status(HTTPStatus.NOT_FOUND, "InvalidRequest", self.path)
                if api.first_poll is None:
                    api.first_poll = time.monotonic()
                invocation = api._pending.get()
                invocation.handed_out = time.monotonic()
                deadline_ms = int((time.time() + invocation.timeout_s) * 1000)
                self._reply(
                    HTTPStatus.OK,
                    invocation.body,
                    {
                        "Content-Type": "application/json",
                        "Lambda-Runtime-Aws-Request-Id": invocation.id,
                        "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
                        "Lambda-Runtime-Invoked-Function-Arn": ARN,
                        "Lambda-Runtime-Trace-Id": f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Sampled=0",
                    },
                )

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = self.path.removeprefix(PREFIX).strip("/").split("/")
                error_type = self.headers.get("Lambda-Runtime-Function-Error-Type")
                if parts == ["init", "error"]:
                    api._init_failed(error_type or "Runtime.Unknown", _json(body))
                    return self._status(HTTPStatus.ACCEPTED)
                if len(parts) != 3 or parts[0] != "invocation" or parts[2] not in ("response", "error"):
                    return self._status(HTTPStatus.NOT_FOUND, "InvalidRequest", self.path)
                invocation = api._by_id.get(parts[1])
                if invocation is None or invocation.done.is_set():
                    return self._status(HTTPStatus.BAD_REQUEST, "InvalidRequestID", parts[1])
                if parts[2] == "error":  # without a type of its own, Lambda calls it Unhandled
                    invocation.end("error", _json(body), error_type or "Unhandled")
                    return self._status(HTTPStatus.ACCEPTED)
                if len(body) > RESPONSE_LIMIT:
                    message = f"Response payload size ({len(body)} bytes) exceeded maximum allowed payload size"
                    invocation.end("error", {"errorMessage": message}, "Function.ResponseSizeTooLarge")
                    return self._status(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "RequestEntityTooLarge", message)
                invocation.end("response", _json(body))
                return self._status(HTTPStatus.ACCEPTED)

        return Handler


def _json(body: bytes) -> object:
    try:
        return json.loads(body)
    except ValueError:
        return body.decode(errors="replace")
