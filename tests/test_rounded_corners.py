"""rounded-corners: the corners rounded, transparent (or white) outside."""

import pytest

from conftest import DEMO, png, run, sample
from ossimg.core.errors import OssError
from ossimg.core.grammar import parse


def test_rounded_corners():
    jpeg, _ = run(DEMO, "image/rounded-corners,r_30")
    assert jpeg.size == (400, 267) and min(jpeg.getpixel((0, 0))) > 245
    image, _ = run(DEMO, "image/crop,w_100,h_100/rounded-corners,r_10/format,png")
    assert image.size == (100, 100) and image.mode == "RGBA"
    assert image.getpixel((0, 0))[3] == 0 and image.getpixel((99, 99))[3] == 0
    assert image.getpixel((50, 0))[3] == 255 and image.getpixel((10, 10))[3] == 255


def test_rounded_corners_radius_is_capped_at_half_the_shorter_side():
    capped = png("rounded-corners,r_4000")
    half = png("rounded-corners,r_133")
    assert capped.tobytes() == half.tobytes()
    assert capped.getpixel((200, 0))[3] > 128  # a stadium: the long edges stay


def test_rounded_corners_in_bmp_are_transparent():
    """OSS's rounded-corners page: PNG, WebP and BMP outputs are transparent outside the corners."""
    image, rendered = run(DEMO, "image/rounded-corners,r_30/format,bmp")
    assert rendered.content_type == "image/bmp" and image.mode == "RGBA" and image.size == (400, 267)
    assert image.getpixel((0, 0))[3] == 0 and image.getpixel((399, 266))[3] == 0
    assert image.getpixel((200, 0))[3] == 255 and image.getpixel((200, 133))[3] == 255


def test_rounded_corners_on_a_gif_is_refused():
    """OSS's rounded-corners page: the operation cannot be applied to GIF images (no EC is
    documented, so none is sent)."""
    with pytest.raises(OssError) as caught:
        run(sample("example.gif"), "image/rounded-corners,r_10")
    assert (caught.value.status, caught.value.code, caught.value.ec) == (400, "InvalidArgument", None)
    assert "GIF" in caught.value.message
    with pytest.raises(OssError):  # the source is the GIF, whatever the output format
        run(sample("example.gif"), "image/rounded-corners,r_10/format,png")


@pytest.mark.parametrize(
    "process, code, ec",
    [
        ("rounded-corners,r_5000", "InvalidArgument", "0040-00000237"),
        ("rounded-corners", "MissingArgument", "0040-00000237"),
    ],
)
def test_documented_errors(process, code, ec):  # and the EC catalogue
    with pytest.raises(OssError) as caught:
        parse("image/" + process)
    assert (caught.value.code, caught.value.ec, caught.value.status) == (code, ec, 400)
