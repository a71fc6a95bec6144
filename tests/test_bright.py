"""bright: a brightness shift."""

import pytest

from conftest import mean, png
from ossimg.core.errors import OssError
from ossimg.core.grammar import parse


def test_bright_moves_the_mean_and_zero_is_neutral():
    means = [mean(png(f"bright,{v}")) for v in (-100, -50, 0, 50, 100)]
    assert means == sorted(means) and means[0] < 40 and means[-1] > 200
    assert png("bright,0").tobytes() == png("resize,p_100").tobytes()


@pytest.mark.parametrize(
    "process, code, ec",
    [
        ("bright", "MissingArgument", "0040-00000245"),
        ("bright,200", "InvalidArgument", "0040-00000246"),
        ("bright,abc", "InvalidArgument", "0040-00000246"),
    ],
)
def test_documented_errors(process, code, ec):  # and the EC catalogue
    with pytest.raises(OssError) as caught:
        parse("image/" + process)
    assert (caught.value.code, caught.value.ec, caught.value.status) == (code, ec, 400)
