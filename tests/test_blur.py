"""blur: a Gaussian blur."""

import pytest

from conftest import DEMO, edges, png, run
from ossimg.core.errors import OssError
from ossimg.core.grammar import parse


def test_blur_lowers_high_frequencies_monotonically():
    levels = [
        edges(png(p)) for p in ("resize,p_100", "blur,r_1,s_1", "blur,r_3,s_2", "blur,r_10,s_5", "blur,r_50,s_50")
    ]
    assert levels == sorted(levels, reverse=True) and levels[-1] < levels[0] / 4
    assert run(DEMO, "image/blur,r_3,s_2")[0].size == (400, 267)


def test_blur_radius_bounds_the_spread():
    assert edges(png("blur,r_2,s_50")) > edges(png("blur,r_20,s_50"))


@pytest.mark.parametrize(
    "process, code, ec",
    [
        ("blur,r_200,s_2", "InvalidArgument", "0040-00000241"),
        ("blur,r_abc,s_2", "InvalidArgument", "0040-00000241"),
        ("blur,s_2", "MissingArgument", "0040-00000241"),
        # OSS's EC pages: s missing, not a number or out of range is 0040-00000242; an unknown g is
        # 0004-00000243; g_face's p out of 1..200 is 0004-00000244.
        ("blur,r_2", "MissingArgument", "0040-00000242"),
        ("blur,r_2,s_51", "InvalidArgument", "0040-00000242"),
        ("blur,r_2,s_x", "InvalidArgument", "0040-00000242"),
        ("blur,r_2,s_2,g_fac", "InvalidArgument", "0004-00000243"),
        ("blur,r_2,s_2,g_face,p_201", "InvalidArgument", "0004-00000244"),
        ("blur,r_2,s_2,g_face", "InvalidArgument", None),  # faces need a detector (not offered yet)
    ],
)
def test_documented_errors(process, code, ec):  # and the EC catalogue
    with pytest.raises(OssError) as caught:
        parse("image/" + process)
    assert (caught.value.code, caught.value.ec, caught.value.status) == (code, ec, 400)
