"""Source restrictions and a warm-container soak."""

import gc
import random
from pathlib import Path

import pytest

from conftest import sample
from ossimg.config import Settings
from ossimg.core.actions.params import b64encode
from ossimg.service.handle import Backends, handle
from ossimg.service.request import ImageRequest
from ossimg.service.styles.store import StyleStore
from ossimg.stores.memory import MemorySource

OBJECTS = {
    "public/a.jpg": sample("example.jpg"),
    "public/mark.png": sample("example.jpg"),
    "private/b.jpg": sample("example.jpg"),
    "_styles/thumb": b"image/resize,w_10",
    "anim.gif": sample("example.gif"),
}
SOURCE = MemorySource(OBJECTS)


def serve(key: str, process: str | None, settings: Settings):
    return handle(ImageRequest("GET", key, process), settings, Backends(SOURCE, StyleStore(SOURCE, "_styles/", 60)))


RESTRICTED = Settings(bucket="b", allowed_prefixes=("public/",))


def test_allowed_prefixes_limit_what_is_served():
    assert serve("public/a.jpg", "image/resize,w_10", RESTRICTED).status == 200
    assert serve("private/b.jpg", "image/resize,w_10", RESTRICTED).status == 403
    assert serve("private/b.jpg", None, RESTRICTED).status == 403  # originals too


def test_watermark_images_obey_the_same_rule():
    allowed = f"image/watermark,image_{b64encode('public/mark.png')}"
    denied = f"image/watermark,image_{b64encode('private/b.jpg')}"
    assert serve("public/a.jpg", allowed, RESTRICTED).status == 200
    reply = serve("public/a.jpg", denied, RESTRICTED)
    assert reply.status == 403 and b"AccessDenied" in reply.body


def test_styles_are_never_objects_nor_watermarks():
    open_bucket = Settings(bucket="b")
    assert serve("_styles/thumb", None, open_bucket).status == 403
    assert serve("public/a.jpg", f"image/watermark,image_{b64encode('_styles/thumb')}", open_bucket).status == 403
    assert serve("public/a.jpg", "style/thumb", open_bucket).status == 200  # used as a style, they work


def test_allowed_prefixes_from_the_environment():
    settings = Settings.from_env({"SOURCE_BUCKET": "b", "ALLOWED_PREFIXES": "public/, shared/ ,"})
    assert settings.allowed_prefixes == ("public/", "shared/")


def test_with_an_origin_secret_only_the_cdn_is_answered():
    settings = Settings.from_env({"SOURCE_BUCKET": "b", "ORIGIN_VERIFY": "s3cret"})

    def call(headers):
        return handle(ImageRequest("GET", "public/a.jpg", None, headers), settings, Backends(SOURCE, None))

    assert call({"x-origin-verify": "s3cret"}).status == 200
    for headers in ({}, {"x-origin-verify": "guess"}, {"x-origin-verify": ""}):
        reply = call(headers)
        assert reply.status == 403 and b"<Code>AccessDenied</Code>" in reply.body
    assert serve("public/a.jpg", None, Settings(bucket="b")).status == 200  # off unless set


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0


MIX = [
    ("public/a.jpg", "image/resize,w_120"),
    ("public/a.jpg", "image/crop,w_100,h_100,g_center/format,png"),
    ("public/a.jpg", "image/rotate,33/format,webp"),
    ("public/a.jpg", f"image/watermark,text_{b64encode('水印')},fill_1"),
    ("public/a.jpg", "image/circle,r_80/format,png"),
    ("public/a.jpg", "image/info"),
    ("public/a.jpg", "image/resize,w_0"),
    ("anim.gif", "image/resize,w_100"),
    ("missing.jpg", "image/resize,w_10"),
]


@pytest.mark.parametrize("rounds", [1500])
def test_a_warm_container_does_not_grow(rounds):
    settings = Settings(bucket="b")._replace()
    rng = random.Random(3)
    for _ in range(200):  # warm up: caches, fonts, block cache, allocator
        serve(*rng.choice(MIX), settings)
    gc.collect()
    warm = rss_mb()
    for _ in range(rounds):
        reply = serve(*rng.choice(MIX), settings)
        assert reply.status in (200, 400, 404)
    gc.collect()
    assert rss_mb() - warm < 25, f"RSS grew from {warm:.0f} MB to {rss_mb():.0f} MB"
