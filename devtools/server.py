"""`make run`: a local HTTP server that turns each request into an API Gateway REST event for app.handler.

By default it starts an embedded S3 (moto's server on loopback) seeded with the samples;
with AWS_ENDPOINT_URL_S3 set it uses that endpoint and SOURCE_BUCKET instead.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import sys
import time
import traceback
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

from . import local, playground
from .events import FakeContext, rest_event
from .s3 import start_embedded_s3

LAMBDA_PAYLOAD_LIMIT = 6_291_556
EXAMPLES = (
    "example.jpg?x-oss-process=image/resize,w_100",
    "f.jpg?x-oss-process=image/info",
    "f.jpg?x-oss-process=image/resize,w_200",
    "example.jpg?x-oss-process=image/crop,w_200,h_200,g_center/rotate,90",
    "example.jpg?x-oss-process=image/resize,m_pad,w_300,h_300,color_FF0000/format,png",
    "transparent.png?x-oss-process=image/format,jpg/interlace,1",
    "example.heic?x-oss-process=image/resize,l_200/format,webp",
    "example.gif?x-oss-process=image/resize,w_200",
    "example.jpg?x-oss-process=style/thumb",
    "example.jpg!avatar",
)


def to_http(result: dict) -> tuple[int, list[tuple[str, str]], bytes]:
    """A Lambda proxy response as status, headers and body bytes (what API Gateway would send)."""
    if len(json.dumps(result)) > LAMBDA_PAYLOAD_LIMIT:
        body = b"Lambda would fail this response: it exceeds the 6 MB payload limit.\n"
        return 502, [("Content-Type", "text/plain")], body
    headers = [(k, v) for k, vs in (result.get("multiValueHeaders") or {}).items() for v in vs]
    headers += list((result.get("headers") or {}).items())
    raw = result.get("body") or ""
    body = base64.b64decode(raw) if result.get("isBase64Encoded") else raw.encode()
    return result["statusCode"], headers, body


class Handler(BaseHTTPRequestHandler):
    server_version = "oss-image-local"

    def _serve(self) -> None:
        import app  # imported by main() first; here only to reach the handler

        started = time.perf_counter()
        url = urlsplit(self.path)
        # The bucket's own API (`/?style`) carries a query; the playground's pages never do.
        own = playground.route(url.path) if self.command in ("GET", "HEAD") and not url.query else None
        if own:
            status, content_type, body = own
            self._send(status, [("Content-Type", content_type)], body)
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        event = rest_event(self.command, url.path, url.query, dict(self.headers.items()), body=body)
        try:
            status, headers, body = to_http(app.handler(event, FakeContext()))
        except Exception:  # what API Gateway answers when the function crashes
            self.log_error("the handler raised:\n%s", traceback.format_exc())
            status, headers, body = 502, [("Content-Type", "text/plain")], b"Internal server error\n"
        self._send(status, headers, body)
        print(access_line(self.command, url, status, dict(headers), len(body), started), flush=True)

    def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            if name.lower() != "content-length":
                self.send_header(name, value)
        length = next((v for k, v in headers if k.lower() == "content-length"), str(len(body)))
        self.send_header("Content-Length", length)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = _serve

    def log_request(self, code="-", size="-"):
        pass  # access_line() says more, once

    def log_message(self, fmt, *args):
        sys.stderr.write(f"{self.address_string()} {fmt % args}\n")


def access_line(method: str, url, status: int, headers: dict, nbytes: int, started: float) -> str:
    """One readable line per request (the JSON log and metrics are for Lambda)."""
    key = unquote(url.path[1:])
    process = next((v for k, v in parse_qsl(url.query, keep_blank_values=True) if k == "x-oss-process"), "")
    ec = headers.get("x-oss-ec", "")
    ms = (time.perf_counter() - started) * 1000
    fields = [time.strftime("%H:%M:%S"), f"{method:<4}", key, process or "-", str(status)]
    fields += [ec] if ec else []
    derivative = headers.get("X-Derivative")
    fields += [{"hit": "from the stored derivative", "stored": "stored"}[derivative]] if derivative else []
    fields += [f"{nbytes:,} B", f"{ms:.0f} ms"]
    return "  ".join(fields)


def main() -> None:
    host, port = os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", "3000"))
    try:
        httpd = HTTPServer((host, port), Handler)  # one request at a time, like one Lambda container
    except OSError as err:
        sys.exit(f"Cannot serve on {host}:{port}: {err.strerror}. Is another `make run` going? Try PORT=3001 make run.")
    local.quiet()
    os.environ.setdefault("STYLE_CACHE_SECONDS", "1")  # a style put while serving shows at once
    s3 = None
    if not os.environ.get("AWS_ENDPOINT_URL_S3"):
        s3 = start_embedded_s3()
        print(f"Embedded S3 at {os.environ['AWS_ENDPOINT_URL_S3']}, bucket {os.environ['SOURCE_BUCKET']}")
    elif not os.environ.get("SOURCE_BUCKET"):
        sys.exit("AWS_ENDPOINT_URL_S3 is set: set SOURCE_BUCKET too.")
    import app  # noqa: F401  (fail at start, not on the first request)

    local.publish(os.environ["AWS_ENDPOINT_URL_S3"], os.environ["SOURCE_BUCKET"], embedded=s3 is not None)
    print(f"Serving on http://{host}:{port}/ (the playground); try:")
    for example in EXAMPLES:
        print(f"  curl -o out.bin 'http://{host}:{port}/{example}'")
    print("make style / make styles in another terminal use this bucket. One line per request follows.", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stopped like Ctrl-C: the run file is withdrawn
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        local.withdraw()
        httpd.server_close()
        if s3:
            s3.stop()


if __name__ == "__main__":
    main()
