"""format, quality and interlace; every input format OSS accepts; alpha flattened on white for JPEG."""

import io

import pytest
from PIL import Image

from conftest import encoded, render, run, sample
from ossimg.core.actions.base import EncodeOptions
from ossimg.core.codecs import estimate_jpeg_quality
from ossimg.core.pipeline import output_quality

FORMATS = {
    "jpg": ("JPEG", "image/jpeg"),
    "png": ("PNG", "image/png"),
    "webp": ("WEBP", "image/webp"),
    "bmp": ("BMP", "image/bmp"),
    "tiff": ("TIFF", "image/tiff"),
    "heic": ("HEIF", "image/heic"),
    "avif": ("AVIF", "image/avif"),
    "gif": ("GIF", "image/gif"),
}


@pytest.fixture(scope="module")
def heif():
    import pillow_heif

    pillow_heif.register_heif_opener()


@pytest.mark.parametrize("fmt", ["jpg", "jpeg", "png", "webp", "bmp", "tiff", "heic", "avif"])
def test_every_output_format(fmt, heif):
    image, rendered = run(sample("example.jpg"), f"image/resize,w_200/format,{fmt}")
    pil_name, content_type = FORMATS["jpg" if fmt == "jpeg" else fmt]
    assert (image.format, rendered.content_type, image.size) == (pil_name, content_type, (200, 134))
    reference = Image.open(io.BytesIO(sample("example.jpg"))).convert("RGB").resize((200, 134))
    assert _mean_diff(image.convert("RGB"), reference) < 8  # the picture survives every codec


def test_format_gif_keeps_a_gif_a_gif_and_other_sources_their_format():
    image, rendered = run(sample("example.jpg"), "image/format,gif")
    assert image.format == "JPEG" and rendered.content_type == "image/jpeg"
    image, rendered = run(sample("example.gif"), "image/resize,w_100/format,gif")
    assert image.format == "GIF" and image.size == (100, 60)


def test_gif_to_png_is_a_still_image():  # F7
    image, _ = run(sample("example.gif"), "image/format,png")
    assert image.format == "PNG" and image.size == (500, 300) and getattr(image, "n_frames", 1) == 1


@pytest.mark.parametrize(
    "key",
    [
        "example.png",
        "example.webp",
        "example.bmp",
        "example.tiff",
        "example.heic",
        "example.avif",
        "example.gif",
        "example.jpg",
    ],
)
def test_every_input_format_keeps_its_format_by_default(key, objects, heif):
    data, content_type = objects[key]
    image, rendered = run(data, "image/resize,w_100")
    assert rendered.content_type == content_type
    assert image.width == 100


def test_transparency_is_flattened_on_white_for_jpeg(objects):  # F4
    image, rendered = run(objects["transparent.png"][0], "image/format,jpg/interlace,1")
    assert image.format == "JPEG" and image.mode == "RGB"
    assert min(image.getpixel((2, 2))) > 245  # a transparent corner became white
    assert image.info.get("progressive") or image.info.get("progression")


def test_transparency_survives_formats_with_alpha(objects):
    for fmt in ("png", "webp"):
        image, _ = run(objects["transparent.png"][0], f"image/format,{fmt}")
        assert image.mode == "RGBA" and image.getpixel((2, 2))[3] == 0


def test_interlace_0_is_baseline_and_other_formats_are_untouched():
    image, _ = run(sample("example.jpg"), "image/interlace,0")
    assert not image.info.get("progressive")
    image, _ = run(sample("example.jpg"), "image/format,png/interlace,1")
    assert image.format == "PNG"


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
    assert len(_bytes(small)) < len(_bytes(large))


def test_quality_has_no_effect_on_lossless_formats():
    a, _ = run(sample("example.jpg"), "image/format,png/quality,q_10")
    b, _ = run(sample("example.jpg"), "image/format,png")
    assert _bytes(a) == _bytes(b)


def test_icc_profile_is_kept():
    profile = Image.open(io.BytesIO(sample("example.jpg")))
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    tagged = encoded(profile.convert("RGB"), "JPEG", quality=90, icc_profile=icc)
    image, _ = run(tagged, "image/resize,w_100/format,webp")
    assert image.info.get("icc_profile") == icc


def _bytes(image: Image.Image) -> bytes:
    image.fp.seek(0)
    return image.fp.read()


def _mean_diff(a, b) -> float:
    from PIL import ImageChops, ImageStat

    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3


def test_format_png_reports_png_in_info():  # F1
    import json

    _, rendered = run(sample("example.jpg"), "image/format,png")
    assert json.loads(render(rendered.body, "image/info").body)["Format"] == {"value": "png"}


@pytest.mark.parametrize("process", ["resize,w_100/quality,q_80", "resize,w_100/quality,Q_80"])  # F2, F3
def test_resize_then_quality(process):
    image, rendered = run(sample("example.jpg"), "image/" + process)
    assert image.size == (100, 67) and rendered.content_type == "image/jpeg"


def test_gif_resized_to_webp():  # F8
    image, rendered = run(sample("example.gif"), "image/resize,w_200/format,webp")
    assert image.format == "WEBP" and image.width == 200 and rendered.content_type == "image/webp"
