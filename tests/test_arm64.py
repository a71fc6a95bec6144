"""The artifact `sam build` made, run where it deploys: aarch64 CPython 3.13, as Lambda runs it.

`make arm64-test` runs this file alone (its marker keeps it out of `make test`): the function
from .aws-sam/build, unchanged, under qemu-user in the emulated environment of devtools/arm64
(read-only /var/task and /opt, the runtime's own boto3, AWS's runtime client polling our Runtime
API), against moto's S3 server on loopback with the samples. Each request is answered twice, by
the deployed function and by the development venv's handler, and the answers must agree: status,
headers, and for images the format, size, mode, frames and pixels (within a small tolerance: the
codecs' arm64 builds may round differently). qemu is slow, so the cases are few and small.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageSequence, ImageStat

from conftest import to_reply, xml_fields
from devtools.events import FakeContext, rest_event

pytestmark = pytest.mark.arm64

ROOT = Path(__file__).resolve().parent.parent
EMULATED_BUCKET = "arm64-derived"  # each side keeps its own derivatives, so each renders every case
TIMEOUT_S = 28 * 25  # the template's Timeout, stretched by what qemu costs (about 15-25 times native)
EVENTS = sorted((ROOT / "events").glob("*.json"))
REFUSED = {"rest-bad-parameter.json": 400, "rest-missing-key.json": 404}  # the other events answer 200
# (what it proves, path, query): what the sample events leave out, each kept small; all answer 200.
REQUESTS = [
    ("animated GIF out", "/example.gif", "x-oss-process=image/resize,w_80"),
    ("BMP out", "/example.jpg", "x-oss-process=image/resize,w_80/format,bmp"),
    ("TIFF out", "/example.jpg", "x-oss-process=image/resize,w_80/format,tiff"),
    ("HEIC out", "/example.jpg", "x-oss-process=image/resize,w_64/format,heic"),
    ("AVIF out, PNG in", "/example.png", "x-oss-process=image/resize,w_64/format,avif"),
    ("HEIC in", "/example.heic", "x-oss-process=image/resize,w_120/format,png"),
    ("AVIF in", "/example.avif", "x-oss-process=image/info"),
    ("PNG in bands (libvips)", "/bench/cutout.png", "x-oss-process=image/resize,w_240"),
    ("face found (detector layer)", "/faces/astronaut.jpg", "x-oss-process=image/crop,g_face,p_150/resize,w_128"),
]
# Mean difference per channel (0-255) allowed between the two answers' decoded pixels: lossy
# encoders may round differently in their arm64 builds (none does today); lossless ones may not.
LOSSY = {"JPEG", "WEBP", "HEIF", "AVIF"}
LOSSY_TOLERANCE = 0.5


def cases() -> list[tuple[str, dict, int]]:
    out = [(f"events/{p.name}", json.loads(p.read_text()), REFUSED.get(p.name, 200)) for p in EVENTS]
    out += [(name, rest_event("GET", path, query), 200) for name, path, query in REQUESTS]
    return out


@pytest.fixture(scope="module")
def backends():
    """moto's S3 server with the samples, shared by both sides; the venv's handler pointed at it."""
    import boto3

    from devtools.s3 import start_embedded_s3

    server = start_embedded_s3()
    client = boto3.client("s3")
    client.create_bucket(Bucket=EMULATED_BUCKET)
    client.put_object(
        Bucket=os.environ["SOURCE_BUCKET"],
        Key="bench/cutout.png",
        Body=(ROOT / "bench/images/cutout_1920x1080.png").read_bytes(),
        ContentType="image/png",
    )
    yield server
    server.stop()


@pytest.fixture(scope="module")
def environment(backends) -> dict[str, str]:
    from devtools.arm64.runtime import configuration

    names = ("STYLE_DELIMITERS", "STORE_DERIVATIVES_MS")
    return configuration(OUTPUT_BUCKET=EMULATED_BUCKET, **{name: os.environ[name] for name in names})


@pytest.fixture(scope="module")
def deployed(environment, tmp_path_factory):
    from devtools import layer_check
    from devtools.arm64.runtime import Function

    assert (layer_check.BUILD / "ImageFunction" / "app.py").is_file(), "no built artifact: run `make build`"
    with Function(environment, tmp_path_factory.mktemp("arm64") / "function.log") as function:
        yield function


@pytest.fixture(scope="module")
def venv(backends):
    import app

    return lambda event: app.handler(event, FakeContext())


def answer(function, event: dict) -> dict:
    outcome = function.invoke(event, TIMEOUT_S)
    assert outcome.kind == "response", f"{outcome.error_type}: {outcome.payload}\n{function.output()[-4000:]}"
    return outcome.payload


def frames(image: Image.Image) -> list[Image.Image]:
    return [frame.convert("RGBA") for frame in ImageSequence.Iterator(image)]


def assert_same_image(name: str, arm64: bytes, venv: bytes) -> None:
    ours, theirs = Image.open(io.BytesIO(arm64)), Image.open(io.BytesIO(venv))
    described = [(i.format, i.size, i.mode, getattr(i, "n_frames", 1)) for i in (ours, theirs)]
    assert described[0] == described[1], f"{name}: arm64 {described[0]} != venv {described[1]}"
    tolerance = LOSSY_TOLERANCE if theirs.format in LOSSY else 0.0
    for index, (a, b) in enumerate(zip(frames(ours), frames(theirs))):
        difference = sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 4
        assert difference <= tolerance, f"{name}: frame {index} differs by {difference:.3f} (tolerance {tolerance})"


def assert_same(name: str, arm64: dict, venv: dict) -> None:
    ours, theirs = to_reply(arm64), to_reply(venv)
    assert ours.status == theirs.status, f"{name}: arm64 {ours.status} != venv {theirs.status}: {ours.body[:400]}"
    for header in ("Content-Type", "ETag", "Cache-Control", "Last-Modified", "x-oss-ec"):
        assert ours.headers.get(header) == theirs.headers.get(header), f"{name}: {header}"
    kind = theirs.headers.get("Content-Type", "")
    if kind.startswith("image/") and theirs.body:
        assert_same_image(name, ours.body, theirs.body)
    elif kind == "application/xml":
        request_specific = ("RequestId", "HostId")
        assert {k: v for k, v in xml_fields(ours.body).items() if k not in request_specific} == {
            k: v for k, v in xml_fields(theirs.body).items() if k not in request_specific
        }, name
    else:
        assert ours.body == theirs.body, name


@pytest.mark.parametrize("name, event, status", cases(), ids=[case[0] for case in cases()])
def test_the_deployed_function_answers_as_the_venv_does(deployed, venv, name, event, status):
    arm64 = answer(deployed, event)
    assert arm64["statusCode"] == status, f"{name}: {arm64['statusCode']} {arm64.get('body', '')[:400]}"
    assert_same(name, arm64, venv(event))


def test_the_platform_is_lambdas(environment, tmp_path):
    """What no answer shows: aarch64 CPython 3.13, the runtime's boto3 under the layers' urllib3 2,
    libvips loading (a PNG would otherwise quietly decode through Pillow) and every codec."""
    from devtools.arm64.runtime import SITE, Function

    log = tmp_path / "probe.log"
    with Function(environment, log, script="/var/runtime/probe.py") as probe:
        probe.process.wait(timeout=300)
        text = probe.output()
    line = next((line for line in text.splitlines() if line.startswith("PROBE ")), None)
    assert line, text[-4000:]
    facts = json.loads(line.removeprefix("PROBE "))
    assert facts["machine"] == "aarch64" and facts["python"].startswith("3.13.")
    for package in ("boto3", "botocore"):
        assert facts[package][1].startswith(f"/{SITE}/"), facts[package]
    assert facts["urllib3"][0].startswith("2.") and facts["urllib3"][1].startswith("/opt/python/"), facts["urllib3"]
    assert facts["libvips"] and facts["faces"] and not facts["opencv"], facts
    assert all(facts["pillow"].values()), facts["pillow"]


def test_an_unhandled_exception_is_an_invocation_error(deployed):
    """The handler's own failure (here an event that is not one) reaches Lambda as an invocation
    error through the runtime client, the function staying up for the next event."""
    outcome = deployed.invoke("not an API Gateway event", TIMEOUT_S)
    assert outcome.kind == "error" and outcome.error_type == "Unhandled", outcome  # Lambda's FunctionError
    assert outcome.payload["errorType"] == "AttributeError", outcome.payload
    assert answer(deployed, rest_event("GET", "/example.jpg", "x-oss-process=image/info"))["statusCode"] == 200


def test_a_handler_that_cannot_load_is_an_init_error(environment, tmp_path):
    from devtools.arm64.runtime import Function
    from devtools.arm64.runtime_api import InitError

    with Function({**environment, "_HANDLER": "no_such_module.handler"}, tmp_path / "init.log") as broken:
        with pytest.raises(InitError) as failed:
            broken.invoke(rest_event("GET", "/example.jpg"), 120)
    assert failed.value.error_type == "Runtime.ImportModuleError", failed.value
