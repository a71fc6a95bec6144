"""quality: q relative to the source's JPEG quality, Q absolute and never above it."""

import io

import pytest
from PIL import Image

from conftest import encoded, file_bytes, run, sample
from ossimg.core.actions.base import EncodeOptions
from ossimg.core.codecs.decode import estimate_jpeg_quality
from ossimg.core.pipeline import output_quality


def test_source_quality_is_estimated_from_the_quantisation_tables():
    assert estimate_jpeg_quality(Image.open(io.BytesIO(sample("example.jpg")))) == 82
    for q in (30, 60, 90, 95):
        made = encoded(Image.new("RGB", (64, 64), (10, 200, 30)), "JPEG", quality=q)
        assert estimate_jpeg_quality(Image.open(io.BytesIO(made))) == q


@pytest.mark.parametrize(
    "process, expected",
    [
        ("quality,q_80", 66),  # relative: 82 x 80% = 65.6
        ("quality,q_100", 82),
        ("quality,Q_50", 50),  # absolute
        ("quality,Q_90", 82),  # never above the source's quality
        ("quality,q_10,Q_70", 70),  # Q wins
        ("resize,w_100", 82),  # no quality: keep the source's
    ],
)
def test_jpeg_output_quality(process, expected):
    image, _ = run(sample("example.jpg"), "image/" + process)
    assert estimate_jpeg_quality(image) == expected


def test_quality_on_non_jpeg_sources_is_relative_to_100():
    png = encoded(Image.open(io.BytesIO(sample("example.jpg"))))
    image, _ = run(png, "image/format,jpg/quality,q_70")
    assert estimate_jpeg_quality(image) == 70


def test_quality_rules_for_webp():  # q behaves like Q; neither exceeds the source's quality
    assert output_quality(EncodeOptions(quality_rel=90), "webp", 82) == 82
    assert output_quality(EncodeOptions(quality_rel=50), "webp", 82) == 50
    assert output_quality(EncodeOptions(quality_abs=60), "webp", None) == 60
    small, _ = run(sample("example.jpg"), "image/format,webp/quality,q_20")
    large, _ = run(sample("example.jpg"), "image/format,webp/quality,q_80")
    assert len(file_bytes(small)) < len(file_bytes(large))


def test_quality_has_no_effect_on_lossless_formats():
    a, _ = run(sample("example.jpg"), "image/format,png/quality,q_10")
    b, _ = run(sample("example.jpg"), "image/format,png")
    assert file_bytes(a) == file_bytes(b)


@pytest.mark.parametrize("process", ["resize,w_100/quality,q_80", "resize,w_100/quality,Q_80"])
def test_resize_then_quality(process):
    image, rendered = run(sample("example.jpg"), "image/" + process)
    assert image.size == (100, 67) and rendered.content_type == "image/jpeg"


def test_the_written_out_luminance_sums_are_libjpegs():
    from ossimg.core.codecs.decode import LUMINANCE_SUMS, luminance_sum

    assert LUMINANCE_SUMS == tuple(luminance_sum(q) for q in range(1, 101))
