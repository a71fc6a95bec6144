"""rounded-corners: the corners rounded, transparent (or white) outside."""

import pytest

from conftest import DEMO, png, run
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
