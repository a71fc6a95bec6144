"""Limits are checked from the header, before any decoding; each has its error code and env variable."""

import pytest
from PIL import Image

from conftest import encoded, run, sample
from devtools.huge import png_header
from ossimg.core.budget.limits import Limits
from ossimg.core.errors import OssError


@pytest.fixture
def no_decoding(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a pixel was decoded")

    monkeypatch.setattr("ossimg.core.pipeline.decode", refuse)
    monkeypatch.setattr(Image.Image, "load", refuse)


def refused(data: bytes, process: str, limits: Limits | None = None) -> OssError:
    with pytest.raises(OssError) as caught:
        run(data, process, limits)
    return caught.value


def test_a_bomb_header_is_refused_without_decoding(no_decoding):
    err = refused(png_header(30_000, 30_000), "image/resize,w_100")
    assert (err.code, err.ec, err.status) == ("ImageTooLarge", "0040-00000012", 400)


@pytest.mark.parametrize(
    "size, ec",
    [((30_001, 10), "0040-00000009"), ((10, 30_001), "0040-00000009")],
)
def test_side_limit(size, ec, no_decoding):
    err = refused(png_header(*size), "image/resize,w_100")
    assert err.ec == ec


BMP = encoded(Image.new("RGB", (50, 20)), "BMP")


def test_format_specific_side_codes(no_decoding):
    assert refused(sample("example.jpg"), "image/resize,w_10", Limits(max_source_side=399)).ec == "0040-00000019"
    assert refused(BMP, "image/resize,w_10", Limits(max_source_side=49)).ec == "0040-00000017"


def test_tiff_sources_are_capped_at_16384_px():
    from ossimg.core.codecs.formats import by_name

    assert by_name("tiff").source_side == (16384, "0040-00000018")
    assert by_name("avif").source_side == (10000, "0040-00000014")


def test_pixel_budget_counts_every_frame(no_decoding):
    frames = 3 * 500 * 300  # example.gif: 500x300, 3 frames
    assert (
        refused(sample("example.gif"), "image/resize,w_10", Limits(max_source_pixels=frames - 1)).ec == "0040-00000012"
    )


def test_pixel_budget_allows_exactly_the_limit():
    run(sample("example.gif"), "image/resize,w_10", Limits(max_source_pixels=3 * 500 * 300))


def test_source_bytes(no_decoding):
    err = refused(sample("example.jpg"), "image/resize,w_10", Limits(max_source_bytes=21_838))
    assert err.ec == "0040-00000001"


def test_output_format_limits(no_decoding):
    assert refused(sample("example.jpg"), "image/format,webp", Limits(max_webp_side=399)).ec == "0040-00000011"
    assert (
        refused(sample("example.jpg"), "image/format,avif", Limits(max_avif_pixels=400 * 267 - 1)).ec == "0040-00000014"
    )
    assert refused(sample("example.jpg"), "image/format,heic", Limits(max_heic_side=399)).code == "ImageTooLarge"


def test_output_limits_apply_to_the_final_size():
    """AVIF's and HEIC's limits are on the result; WebP's also on the source (OSS's format page:
    "the width and height of the source image cannot exceed 16,383 px"), see test_format."""
    image, _ = run(sample("example.jpg"), "image/resize,w_300/format,avif", Limits(max_avif_pixels=300 * 200))
    assert image.size == (300, 200)
    image, _ = run(sample("example.jpg"), "image/resize,w_300/format,webp", Limits(max_webp_side=400))
    assert image.size == (300, 200)
    assert refused(sample("example.jpg"), "image/resize,w_300/format,webp", Limits(max_webp_side=300)).ec == (
        "0040-00000011"
    )


def test_a_heic_source_over_the_side_limit_has_its_own_code(objects, no_decoding):
    """OSS's 0040-00000013 page: a HEIC source over 30,000 px a side (399 here)."""
    err = refused(objects["example.heic"][0], "image/resize,w_100", Limits(max_source_side=399))
    assert (err.code, err.ec) == ("ImageTooLarge", "0040-00000013")


def test_resize_limits_are_configurable(no_decoding):
    assert refused(sample("example.jpg"), "image/resize,w_300", Limits(max_resize_side=299)).ec == "0040-00000007"
    assert (
        refused(sample("example.jpg"), "image/resize,w_300", Limits(max_resize_pixels=300 * 200 - 1)).ec
        == "0040-00000007"
    )


def test_limits_read_from_the_environment():
    from ossimg.config import Settings

    limits = Settings.from_env({"MAX_SOURCE_BYTES": "123", "MAX_ROTATE_SIDE": "8000", "MAX_WEBP_SIDE": ""}).limits
    assert limits.max_source_bytes == 123 and limits.max_rotate_side == 8000
    assert limits.max_webp_side == 16383 and limits.max_source_pixels == 250_000_000


@pytest.mark.parametrize("data", [b"", b"not an image at all", b"\xff\xd8\xff\xe0garbage", png_header(10, 10)[:20]])
def test_non_images_and_broken_headers_are_a_clear_400(data):
    err = refused(data, "image/resize,w_10")
    assert (err.code, err.ec, err.status) == ("BadRequest", "0040-00000005", 400)


def test_a_truncated_body_is_a_clear_400():
    data = sample("example.jpg")[:3000]
    try:
        image, _ = run(data, "image/resize,w_100")  # Pillow may decode a truncated JPEG partially
        assert image.size == (100, 67)
    except OssError as err:
        assert err.status == 400
