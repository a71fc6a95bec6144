"""contrast: a spread around the mean grey."""

import pytest

from conftest import mean, png, spread
from ossimg.core.errors import OssError
from ossimg.core.grammar import parse


def test_contrast_moves_the_spread_and_zero_is_neutral():
    spreads = [spread(png(f"contrast,{v}")) for v in (-100, -50, 0, 50, 100)]
    assert spreads == sorted(spreads) and spreads[0] < 1
    assert abs(mean(png("contrast,50")) - mean(png("resize,p_100"))) < 12
    assert png("contrast,0").tobytes() == png("resize,p_100").tobytes()


@pytest.mark.parametrize(
    "process, code, ec",
    [
        ("contrast,101", "InvalidArgument", None),
        ("contrast", "MissingArgument", None),
    ],
)
def test_documented_errors(process, code, ec):  # and the EC catalogue
    with pytest.raises(OssError) as caught:
        parse("image/" + process)
    assert (caught.value.code, caught.value.ec, caught.value.status) == (code, ec, 400)
