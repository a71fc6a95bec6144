"""format: every output format, the source's by default, transparency flattened only where it must be."""

import io
import json

import pytest
from PIL import Image, ImageCms

from conftest import encoded, mean_difference, render, run, sample

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
    assert mean_difference(image.convert("RGB"), reference) < 8  # the picture survives every codec


def test_format_gif_keeps_a_gif_a_gif_and_other_sources_their_format():
    image, rendered = run(sample("example.jpg"), "image/format,gif")
    assert image.format == "JPEG" and rendered.content_type == "image/jpeg"
    image, rendered = run(sample("example.gif"), "image/resize,w_100/format,gif")
    assert image.format == "GIF" and image.size == (100, 60)


def test_gif_to_png_is_a_still_image():
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


def test_transparency_is_flattened_on_white_for_jpeg(objects):
    image, rendered = run(objects["transparent.png"][0], "image/format,jpg/interlace,1")
    assert image.format == "JPEG" and image.mode == "RGB"
    assert min(image.getpixel((2, 2))) > 245  # a transparent corner became white
    assert image.info.get("progressive") or image.info.get("progression")


def test_transparency_survives_formats_with_alpha(objects):
    for fmt in ("png", "webp"):
        image, _ = run(objects["transparent.png"][0], f"image/format,{fmt}")
        assert image.mode == "RGBA" and image.getpixel((2, 2))[3] == 0


def test_icc_profile_is_kept():
    profile = Image.open(io.BytesIO(sample("example.jpg")))

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    tagged = encoded(profile.convert("RGB"), "JPEG", quality=90, icc_profile=icc)
    image, _ = run(tagged, "image/resize,w_100/format,webp")
    assert image.info.get("icc_profile") == icc


def test_format_png_reports_png_in_info():

    _, rendered = run(sample("example.jpg"), "image/format,png")
    assert json.loads(render(rendered.body, "image/info").body)["Format"] == {"value": "png"}


def test_gif_resized_to_webp():
    image, rendered = run(sample("example.gif"), "image/resize,w_200/format,webp")
    assert image.format == "WEBP" and image.width == 200 and rendered.content_type == "image/webp"
