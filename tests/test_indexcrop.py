"""indexcrop: one strip of the image."""

import pytest
from PIL import Image

from conftest import DEMO, png
from ossimg.core.errors import OssError
from ossimg.core.grammar import parse


@pytest.mark.parametrize(
    "process, size, origin",
    [
        ("indexcrop,x_100,i_0", (100, 267), (0, 0)),
        ("indexcrop,x_100,i_3", (100, 267), (300, 0)),
        ("indexcrop,y_100,i_1", (400, 100), (0, 100)),
        ("indexcrop,y_100,i_2", (400, 67), (0, 200)),  # the last, shorter strip counts
        ("indexcrop,x_100,y_100,i_1", (400, 100), (0, 100)),  # y wins
        ("indexcrop,y_100,i_10", (400, 267), (0, 0)),  # past the end -> the source
        ("indexcrop,x_100,i_100", (400, 267), (0, 0)),
        ("indexcrop,x_500", (400, 267), (0, 0)),  # longer than the image -> the source
        ("indexcrop,y_50", (400, 50), (0, 0)),  # i defaults to 0
    ],
)
def test_indexcrop(process, size, origin):
    image = png(process)
    reference = Image.open(__import__("io").BytesIO(DEMO)).convert("RGB")
    assert image.size == size
    assert image.convert("RGB").getpixel((0, 0)) == reference.getpixel(origin)


@pytest.mark.parametrize(
    "process, code, ec",
    [
        ("indexcrop,x_0", "InvalidArgument", "0040-00000230"),
        ("indexcrop,y_0", "InvalidArgument", "0040-00000230"),
        ("indexcrop,y_abc", "InvalidArgument", "0040-00000224"),
        ("indexcrop,x_10,i_abc", "InvalidArgument", "0040-00000229"),
        ("indexcrop,i_1", "MissingArgument", "0040-00000230"),
    ],
)
def test_documented_errors(process, code, ec):  # and the EC catalogue
    with pytest.raises(OssError) as caught:
        parse("image/" + process)
    assert (caught.value.code, caught.value.ec, caught.value.status) == (code, ec, 400)
