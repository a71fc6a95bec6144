"""Shared fixtures: one moto S3 for the session, seeded exactly as `make run` seeds its bucket."""

from __future__ import annotations

import base64
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageFilter, ImageStat

from devtools import samples
from devtools.events import FakeContext, rest_event
from devtools.styles import SAMPLE_STYLES, put_style

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
BUCKET = "test-source"

os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="us-east-1",
    SOURCE_BUCKET=BUCKET,
    POWERTOOLS_LOG_LEVEL="WARNING",
    STYLE_DELIMITERS="!",
)
for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
    os.environ.pop(name, None)  # an endpoint would bypass moto


@pytest.fixture(scope="session")
def s3():
    import boto3
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("s3")
        samples.seed(client, BUCKET)
        for name, content in SAMPLE_STYLES.items():
            put_style(client, BUCKET, name, content)
        yield client


@pytest.fixture(scope="session")
def objects(s3):
    return samples.all_samples()


@dataclass
class Reply:
    status: int
    headers: dict
    body: bytes

    @property
    def image(self) -> Image.Image:
        return Image.open(io.BytesIO(self.body))

    @property
    def text(self) -> str:
        return self.body.decode()


def to_reply(result: dict) -> Reply:
    headers = dict(result.get("headers") or {})
    headers.update({k: v[-1] for k, v in (result.get("multiValueHeaders") or {}).items()})
    raw = result.get("body") or ""
    body = base64.b64decode(raw) if result.get("isBase64Encoded") else raw.encode()
    return Reply(result["statusCode"], headers, body)


@pytest.fixture
def get(s3):
    """GET (or HEAD) a raw path and query through app.handler as an API Gateway REST event."""
    import app

    def call(path: str, query: str = "", headers: dict | None = None, method: str = "GET") -> Reply:
        return to_reply(app.handler(rest_event(method, path, query, headers), FakeContext()))

    return call


def xml_fields(body: bytes) -> dict:
    """The leaf elements of an XML body, by name (the last of repeated ones)."""
    return dict(re.findall(r"<(\w+)>([^<]*)</\1>", body.decode()))


def xml_error(reply) -> dict:
    """The fields of an OSS XML error body (a Reply or an HttpResponse)."""
    assert reply.headers["Content-Type"] == "application/xml"
    return xml_fields(reply.body)


OSS_KEY_ID, OSS_SECRET = "LTAI5tExample", "s3cr3t-Example"


def oss_signed(method, bucket, key="", params=None, body=None, headers=None, auth=None):
    """An ImageRequest signed in its Authorization header by oss2 (V1 unless `auth` says), path style."""
    import oss2

    from ossimg.service.request import ImageRequest

    auth = auth or oss2.Auth(OSS_KEY_ID, OSS_SECRET)
    url = f"http://127.0.0.1:3000/{bucket}/{key}"
    req = oss2.http.Request(
        method, url, data=body, params=params or {}, headers=headers or {}, region="cn-hangzhou", product="oss"
    )
    auth._sign_request(req, bucket, key)
    query = tuple((k, v or "") for k, v in (params or {}).items())
    lowered = {k.lower(): v for k, v in req.headers.items()}
    process = (params or {}).get("x-oss-process") or None
    return ImageRequest(method, f"{bucket}/{key}", process, lowered, "r", query, body or b"")


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def open_image(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def encoded(image: Image.Image, fmt: str = "PNG", **options) -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt, **options)
    return buf.getvalue()


def render(data: bytes, process: str, limits=None, resources=None, encoders=None):
    """The pure pipeline, as the handler runs it (resources: watermark images by key)."""
    from ossimg.config import Settings
    from ossimg.core.grammar import parse
    from ossimg.core.pipeline import Job
    from ossimg.core.pipeline import render as pipeline_render

    defaults = Settings()
    job = Job(limits or defaults.limits, encoders or defaults.encoders, defaults.font_dirs, resources or {})
    return pipeline_render(data, parse(process), job)


def run(data: bytes, process: str, limits=None, resources=None, encoders=None):
    """(decoded output image, Rendered) for an image-producing process string."""
    rendered = render(data, process, limits, resources, encoders)
    return open_image(rendered.body), rendered


DEMO = sample("example.jpg")  # OSS's demo image, 400x267


def edges(image: Image.Image) -> float:
    """High-frequency energy: the mean of an edge filter over the grey image."""
    return ImageStat.Stat(image.convert("L").filter(ImageFilter.FIND_EDGES)).mean[0]


def mean(image: Image.Image) -> float:
    return ImageStat.Stat(image.convert("L")).mean[0]


def spread(image: Image.Image) -> float:
    return ImageStat.Stat(image.convert("L")).stddev[0]


def png(process: str) -> Image.Image:
    """OSS's demo image through `process`, as PNG, decoded."""
    return run(DEMO, f"image/{process}/format,png")[0]


W, H = 240, 180


def coordinates() -> Image.Image:
    """Pixel (x, y) is (x, y, 77): where a pixel came from can be read off its colour."""
    image = Image.new("RGB", (W, H))
    image.putdata([(x, y, 77) for y in range(H) for x in range(W)])
    return image


COORDS = encoded(coordinates())


def origin_of(image: Image.Image) -> tuple[int, int]:
    r, g, _ = image.convert("RGB").getpixel((0, 0))
    return r, g


def demo_rgb() -> Image.Image:
    return Image.open(io.BytesIO(sample("example.jpg"))).convert("RGB")


def mean_difference(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute difference per channel (0-255)."""
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3


def close_to(a: Image.Image, b: Image.Image, tolerance: float = 1.0) -> bool:
    return a.size == b.size and mean_difference(a, b) < tolerance


def file_bytes(image: Image.Image) -> bytes:
    """The encoded file an opened image was read from."""
    image.fp.seek(0)
    return image.fp.read()


# Property-based tests: a small, derandomised budget in `make test` and CI; `make fuzz` runs more.
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "ci", max_examples=150, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("fuzz", max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
