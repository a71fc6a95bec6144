"""`make run`'s server as a user starts it: a subprocess with its own embedded S3, spoken to over HTTP."""

import io
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "SOURCE_BUCKET"}
    env.update(PORT=str(port), HOST="127.0.0.1", PYTHONPATH=f"{ROOT / 'function'}{os.pathsep}{ROOT}")
    proc = subprocess.Popen(
        [sys.executable, "-m", "devtools.server"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail("the local server exited:\n" + proc.stdout.read())
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("the local server did not start within 60 s")
    yield base
    proc.terminate()
    proc.wait(timeout=10)


def fetch(url: str, method: str = "GET"):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def test_readme_example_resize(server):
    status, headers, body = fetch(f"{server}/example.jpg?x-oss-process=image/resize,w_100")
    assert status == 200 and headers["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(body)).size == (100, 67)


def test_readme_example_info(server):
    status, headers, body = fetch(f"{server}/f.jpg?x-oss-process=image/info")
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert b'"Orientation": {"value": "7"}' in body


def test_head_and_errors(server):
    status, headers, body = fetch(f"{server}/example.jpg?x-oss-process=image/resize,w_100", "HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 0
    status, _, body = fetch(f"{server}/missing.jpg?x-oss-process=image/resize,w_100")
    assert status == 404 and b"<Code>NoSuchKey</Code>" in body


def test_derived_samples_in_every_format(server):
    for key in ("example.heic", "example.avif", "example.webp", "example.tiff", "example.bmp", "example.png"):
        status, _, body = fetch(f"{server}/{key}?x-oss-process=image/resize,w_80/format,jpg")
        assert status == 200, key
        assert Image.open(io.BytesIO(body)).size == (80, 53)
