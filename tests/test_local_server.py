"""`make run`'s server as a user starts it: a subprocess with its own embedded S3, spoken to over HTTP."""

import io
import os
import re
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


def start_server(env_extra: dict, log_path: Path, port: int | None = None) -> tuple[subprocess.Popen, str]:
    """`make run` as a user starts it (its own embedded S3), its output going to `log_path`."""
    port = port or free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_")) and k != "SOURCE_BUCKET"}
    env.update(PORT=str(port), HOST="127.0.0.1", PYTHONPATH=f"{ROOT / 'function'}{os.pathsep}{ROOT}", **env_extra)
    log = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "devtools.server"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail("the local server exited:\n" + log_path.read_text())
        if "One line per request follows" in log_path.read_text():
            return proc, f"http://127.0.0.1:{port}"
        time.sleep(0.2)
    proc.kill()
    pytest.fail("the local server did not start within 60 s")


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    """(base URL, log file, run file) of one `make run` for the module."""
    folder = tmp_path_factory.mktemp("make-run")
    run_file = folder / "make-run.json"
    proc, base = start_server({"MAKE_RUN_FILE": str(run_file)}, folder / "server.log")
    yield base, folder / "server.log", run_file
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def server(running):
    return running[0]


def fetch(url: str, method: str = "GET", headers: dict | None = None, body: bytes | None = None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
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


def test_one_readable_access_line_per_request(running):
    base, log, _ = running
    fetch(f"{base}/example.jpg?x-oss-process=image/resize,w_100")
    fetch(f"{base}/example.jpg?x-oss-process=image/resize,w_0")
    time.sleep(0.2)
    lines = log.read_text().splitlines()
    ok = next(line for line in lines if "image/resize,w_100" in line and not line.startswith(" "))
    assert re.fullmatch(r"\d\d:\d\d:\d\d  GET   example\.jpg  image/resize,w_100  200  [\d,]+ B  \d+ ms", ok), ok
    bad = next(line for line in lines if "image/resize,w_0" in line and not line.startswith(" "))
    assert "  400  0040-00000312  " in bad
    assert not any(line.startswith("{") for line in lines), "JSON logs or metric blobs under make run"
    assert not any("HTTP/1.1" in line for line in lines), "the default access log as well"


def tool(*args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "SOURCE_BUCKET"}
    env.update(PYTHONPATH=f"{ROOT / 'function'}{os.pathsep}{ROOT}", **(env_extra or {}))
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_make_style_finds_the_running_server_with_no_settings(running):
    base, _, run_file = running
    put = tool("-m", "devtools.styles", "put", "x", "image/resize,w_10", env_extra={"MAKE_RUN_FILE": str(run_file)})
    assert put.returncode == 0, put.stderr
    listed = tool("-m", "devtools.styles", "list", env_extra={"MAKE_RUN_FILE": str(run_file)})
    assert "x\timage/resize,w_10" in listed.stdout.splitlines()
    time.sleep(1.1)  # make run remembers a style for a second
    status, _, body = fetch(f"{base}/example.jpg?x-oss-process=style/x")
    assert status == 200 and Image.open(io.BytesIO(body)).size == (10, 7)


def test_make_style_without_a_running_server_says_so_in_one_line(tmp_path):
    result = tool("-m", "devtools.styles", "list", env_extra={"MAKE_RUN_FILE": str(tmp_path / "none.json")})
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "No bucket to use: start `make run` in another terminal (its embedded S3 is found by itself), "
        "or set SOURCE_BUCKET (and AWS_ENDPOINT_URL_S3 for a store other than AWS)."
    ]


def test_make_style_against_an_unreachable_store_is_one_line(tmp_path):
    env = {"SOURCE_BUCKET": "b", "AWS_ENDPOINT_URL_S3": f"http://127.0.0.1:{free_port()}", "AWS_MAX_ATTEMPTS": "1"}
    env.update(AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="us-east-1")
    result = tool("-m", "devtools.styles", "list", env_extra=env)
    assert result.returncode != 0 and "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_busy_port_is_one_clear_line(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = tool("-m", "devtools.server", env_extra={"PORT": str(port), "MAKE_RUN_FILE": str(tmp_path / "r")})
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert result.stderr.strip().startswith(f"Cannot serve on 127.0.0.1:{port}: Address already in use.")


def test_make_invoke_prints_no_powertools_noise():
    result = tool("-m", "devtools.invoke", "events/rest-resize.json")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "status: 200"
    noise = [line for line in (result.stdout + result.stderr).splitlines() if line.startswith("{") or "Warning" in line]
    assert noise == []


def test_the_smoke_check_passes_against_make_run(server):
    result = tool("-m", "devtools.smoke", server, "example.jpg")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 5 and all(line.startswith("ok ") for line in lines)


def test_the_smoke_check_fails_loudly(server):
    result = tool("-m", "devtools.smoke", server, "missing.jpg")
    assert result.returncode == 1 and "FAIL resize,w_16" in result.stdout


def test_a_derivative_is_made_once_and_then_served_from_the_output_bucket(tmp_path):
    """`make run` with every derivative kept: the second request (as after a CDN eviction) is
    answered from the embedded S3's output bucket, not rendered; the server's log says so too."""
    proc, base = start_server({"STORE_DERIVATIVES_MS": "0"}, tmp_path / "server.log")
    try:
        url = f"{base}/example.jpg?x-oss-process=image/resize,w_120/format,webp"
        first = fetch(url)
        second = fetch(url)
        deadline = time.monotonic() + 10  # the server logs a request just after answering it
        while time.monotonic() < deadline:
            lines = [line for line in (tmp_path / "server.log").read_text().splitlines() if "w_120" in line]
            if len(lines) == 2:
                break
            time.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert first[0] == 200 and first[1]["X-Derivative"] == "stored"
    assert second[0] == 200 and second[1]["X-Derivative"] == "hit" and second[2] == first[2]
    assert Image.open(io.BytesIO(second[2])).size == (120, 80)
    assert len(lines) == 2 and "  stored  " in lines[0] and "from the stored derivative" in lines[1]
