"""A slow or absent S3 never holds a request past API Gateway's 29 s: boto3's timeouts and the
body's own deadline end it with OSS-style XML (504 when S3 does not answer in time, 503 when it
cannot be reached), through the real client against real sockets that misbehave."""

from __future__ import annotations

import socket
import threading
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET

import pytest

from ossimg.config import S3Timeouts
from ossimg.core.errors import OssError
from ossimg.stores.s3 import S3Source, s3_client
from test_local_server import start_server

QUICK = S3Timeouts(connect=0.5, read=0.5, attempts=2, total=2.0)


class Misbehaving:
    """A loopback 'S3' that accepts connections and then answers with `behaviour(connection)`."""

    def __init__(self, behaviour):
        self.behaviour = behaviour
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            self.open.append(connection)
            threading.Thread(target=self.behaviour, args=(connection,), daemon=True).start()

    def close(self) -> None:
        self.listener.close()
        for connection in self.open:
            connection.close()


def stall(connection: socket.socket) -> None:
    """Reads the request and never answers (until the test closes the socket)."""
    try:
        while connection.recv(65536):
            pass
    except OSError:
        pass


PROMISED = (  # GetObject's answer, promising a 1 MB body
    b"HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\nContent-Type: image/jpeg\r\n"
    b'ETag: "abc"\r\nLast-Modified: Mon, 07 Dec 2026 10:00:00 GMT\r\n\r\n'
)


def trickle(connection: socket.socket) -> None:
    """Answers GetObject's headers at once, then a byte of its 1 MB body every 0.1 s."""
    try:
        connection.recv(65536)
        connection.sendall(PROMISED)
        while True:
            connection.sendall(b"\xff")
            time.sleep(0.1)
    except OSError:
        pass


def cut_short(connection: socket.socket) -> None:
    """Promises a 1 MB body, sends 10 bytes of it and hangs up."""
    try:
        connection.recv(65536)
        connection.sendall(PROMISED + b"\xff" * 10)
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class FirstRangeThenTrickle:
    """Answers the first request with its first 10 bytes (206, the object's size in Content-Range)
    and every later one, the rest asked for with If-Match, a byte every 0.1 s."""

    def __init__(self):
        self.requests: list[bytes] = []

    def __call__(self, connection: socket.socket) -> None:
        try:
            while True:
                request = connection.recv(65536)
                if not request:
                    return
                self.requests.append(request)
                if len(self.requests) == 1:
                    connection.sendall(
                        b"HTTP/1.1 206 Partial Content\r\nContent-Length: 10\r\nContent-Range: bytes 0-9/1048576\r\n"
                        b'Content-Type: image/jpeg\r\nETag: "abc"\r\n'
                        b"Last-Modified: Mon, 07 Dec 2026 10:00:00 GMT\r\n\r\n" + b"\xff" * 10
                    )
                    continue
                connection.sendall(PROMISED.replace(b"200 OK", b"206 Partial Content"))
                while True:
                    connection.sendall(b"\xff")
                    time.sleep(0.1)
        except OSError:
            pass


@pytest.fixture
def misbehaving(monkeypatch):
    made = []

    def make(behaviour):
        store = Misbehaving(behaviour)
        made.append(store)
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", store.endpoint)
        return store

    yield make
    for store in made:
        store.close()


def source(timeouts: S3Timeouts = QUICK) -> S3Source:
    return S3Source("bucket", s3_client.__wrapped__(timeouts), timeouts.total)  # a client for this endpoint


def test_a_stalled_s3_is_a_504_within_attempts_times_the_timeouts(misbehaving):
    store = misbehaving(stall)
    started = time.monotonic()
    with pytest.raises(OssError) as raised:
        source().open("photo.jpg")
    elapsed = time.monotonic() - started
    assert (raised.value.status, raised.value.code) == (504, "GatewayTimeout")
    assert store.connections == QUICK.attempts  # retried once, then given up
    assert elapsed < QUICK.attempts * (QUICK.connect + QUICK.read) + 1.5, elapsed


def test_a_body_that_trickles_is_cut_off_at_the_total(misbehaving):
    misbehaving(trickle)
    started = time.monotonic()
    opened = source().open("photo.jpg")  # the headers came at once
    with pytest.raises(OssError) as raised:
        opened.stream.read()
    elapsed = time.monotonic() - started
    assert (raised.value.status, raised.value.code) == (504, "GatewayTimeout")
    assert QUICK.total <= elapsed < QUICK.total + QUICK.read + 1.0, elapsed


def test_a_body_cut_short_is_a_503_not_a_truncated_image(misbehaving):
    misbehaving(cut_short)
    opened = source().open("photo.jpg")
    with pytest.raises(OssError) as raised:
        opened.stream.read()
    assert (raised.value.status, raised.value.code) == (503, "ServiceUnavailable")


def test_a_refused_connection_is_a_503_worth_retrying(monkeypatch):
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{port}")
    started = time.monotonic()
    with pytest.raises(OssError) as raised:
        source().open("photo.jpg")
    assert (raised.value.status, raised.value.code) == (503, "ServiceUnavailable")
    assert time.monotonic() - started < 5


def test_the_defaults_end_well_inside_api_gateways_29_seconds():
    defaults = S3Timeouts()
    assert defaults.worst_call == defaults.attempts * (defaults.connect + defaults.read) + 1  # back-off under 1 s
    assert defaults.worst_call <= defaults.total  # the call's own timeouts end it before the total would
    assert defaults.total + defaults.read <= 20  # a body's last wait begins just before the total


def test_make_run_answers_a_stalled_s3_with_xml_within_20_seconds(misbehaving, tmp_path):
    """The local server with its defaults, AWS_ENDPOINT_URL_S3 at a socket that never answers."""
    store = misbehaving(stall)
    proc, base = start_server(
        {"AWS_ENDPOINT_URL_S3": store.endpoint, "SOURCE_BUCKET": "photos", "AWS_ACCESS_KEY_ID": "x",
         "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_REGION": "us-east-1"},
        tmp_path / "server.log",
    )  # fmt: skip
    try:
        started = time.monotonic()
        try:
            urllib.request.urlopen(f"{base}/example.jpg?x-oss-process=image/resize,w_100", timeout=40)
            pytest.fail("a stalled store cannot give a 200")
        except urllib.error.HTTPError as err:
            status, body, kind = err.code, err.read(), err.headers["Content-Type"]
        elapsed = time.monotonic() - started
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert status == 504 and kind.startswith("application/xml"), (status, kind)
    error = ET.fromstring(body)
    assert error.tag == "Error" and error.findtext("Code") == "GatewayTimeout"
    assert error.findtext("RequestId")
    assert elapsed <= 20, elapsed


def test_the_rest_of_a_ranged_read_is_cut_off_at_the_total_too(misbehaving):
    server = FirstRangeThenTrickle()
    misbehaving(server)
    started = time.monotonic()
    opened = source().open("photo.jpg", first=10)
    assert opened.first() == b"\xff" * 10 and opened.size == 1048576
    with pytest.raises(OssError) as raised:
        opened.read()
    assert (raised.value.status, raised.value.code) == (504, "GatewayTimeout")
    assert time.monotonic() - started < QUICK.total + QUICK.read + 1.0
    assert b"range: bytes=0-9" in server.requests[0].lower()
    assert b"range: bytes=10-" in server.requests[1].lower() and b'if-match: "abc"' in server.requests[1].lower()
