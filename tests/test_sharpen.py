"""sharpen: an unsharp mask."""

import pytest

from conftest import DEMO, edges, png, run
from ossimg.core.errors import OssError
from ossimg.core.grammar import parse


def test_sharpen_raises_high_frequencies_monotonically():
    levels = [edges(png(p)) for p in ("resize,p_100", "sharpen,50", "sharpen,100", "sharpen,200", "sharpen,399")]
    assert levels == sorted(levels)
    assert run(DEMO, "image/sharpen,100")[0].size == (400, 267)


@pytest.mark.parametrize(
    "process, code, ec",
    [
        ("sharpen", "MissingArgument", "0040-00000279"),
        ("sharpen,10", "InvalidArgument", "0040-00000280"),
        ("sharpen,400", "InvalidArgument", "0040-00000280"),
    ],
)
def test_documented_errors(process, code, ec):  # and the EC catalogue
    with pytest.raises(OssError) as caught:
        parse("image/" + process)
    assert (caught.value.code, caught.value.ec, caught.value.status) == (code, ec, 400)
