"""circle: the disc around the centre, transparent (or white) outside."""

import pytest
from PIL import Image

from conftest import DEMO, png, run
from ossimg.core.errors import OssError
from ossimg.core.grammar import parse


@pytest.mark.parametrize("r, side", [(100, 201), (1, 3), (133, 267), (200, 267), (4096, 267)])
def test_circle_size(r, side):
    image, rendered = run(DEMO, f"image/circle,r_{r}")
    assert image.size == (side, side) and rendered.content_type == "image/jpeg"


def test_circle_is_white_outside_in_jpeg_and_transparent_in_png():
    jpeg, _ = run(DEMO, "image/circle,r_100")
    assert min(jpeg.getpixel((0, 0))) > 245 and min(jpeg.getpixel((200, 200))) > 245
    image = png("circle,r_100")
    assert image.mode == "RGBA"
    assert image.getpixel((0, 0))[3] == 0 and image.getpixel((200, 0))[3] == 0
    assert image.getpixel((100, 100))[3] == 255 and image.getpixel((100, 2))[3] > 128  # disc touches the edge
    centre = Image.open(__import__("io").BytesIO(DEMO)).convert("RGB").getpixel((200, 133))
    assert all(abs(a - b) < 12 for a, b in zip(image.getpixel((100, 100))[:3], centre))


def test_circle_then_bmp_is_transparent_outside():
    """OSS's circle page: outside the circle is transparent for PNG, WebP and BMP, white only for JPG."""
    image, rendered = run(DEMO, "image/circle,r_50/format,bmp")
    assert rendered.content_type == "image/bmp" and image.format == "BMP"
    assert image.mode == "RGBA" and image.size == (101, 101)
    assert image.getpixel((0, 0))[3] == 0 and image.getpixel((100, 100))[3] == 0
    assert image.getpixel((50, 50))[3] == 255


def test_circle_then_webp_keeps_transparency():
    image, _ = run(DEMO, "image/circle,r_50/format,webp")
    assert image.mode == "RGBA" and image.getpixel((0, 0))[3] == 0


@pytest.mark.parametrize(
    "process, code, ec",
    [
        ("circle", "MissingArgument", "0040-00000233"),
        ("circle,r_5000", "InvalidArgument", "0040-00000233"),
        ("circle,r_abc", "InvalidArgument", "0040-00000233"),
        ("circle,r_0", "InvalidArgument", "0040-00000233"),
    ],
)
def test_documented_errors(process, code, ec):  # and the EC catalogue
    with pytest.raises(OssError) as caught:
        parse("image/" + process)
    assert (caught.value.code, caught.value.ec, caught.value.status) == (code, ec, 400)
