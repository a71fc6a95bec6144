"""blur: a Gaussian blur."""

import pytest

from conftest import DEMO, edges, png, run
from ossimg.core.actions.blur import ACTION as BLUR
from ossimg.core.errors import OssError
from ossimg.core.grammar import parse


def test_blur_lowers_high_frequencies_monotonically():
    levels = [
        edges(png(p)) for p in ("resize,p_100", "blur,r_1,s_1", "blur,r_3,s_2", "blur,r_10,s_5", "blur,r_50,s_50")
    ]
    assert levels == sorted(levels, reverse=True) and levels[-1] < levels[0] / 4
    assert run(DEMO, "image/blur,r_3,s_2")[0].size == (400, 267)


@pytest.mark.parametrize("s", [2, 3, 5, 10, 25])
def test_a_wide_blur_made_at_reduced_scale_matches_the_full_size_gaussian(s):
    """sigma >= 2 is blurred on a box-reduced copy and enlarged back: within 42 dB PSNR (43-47
    measured) of Pillow's full-size Gaussian on a photograph, and the same size. sharp's own blur
    is 40.5 dB from that Gaussian (make bench)."""
    import io
    import math

    from PIL import Image, ImageChops, ImageFilter

    photo = Image.open(io.BytesIO(DEMO)).convert("RGB").resize((1200, 801), Image.Resampling.LANCZOS)
    reference = photo.filter(ImageFilter.GaussianBlur(s))
    result = BLUR.apply(photo.copy(), {"r": 50, "s": s}, photo.size)
    histogram = ImageChops.difference(result, reference).histogram()
    mse = sum(count * (level % 256) ** 2 for level, count in enumerate(histogram)) / (3 * 1200 * 801)
    assert result.size == photo.size and 10 * math.log10(255 * 255 / mse) > 42


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
    ],
)
def test_documented_errors(process, code, ec):  # and the EC catalogue
    with pytest.raises(OssError) as caught:
        parse("image/" + process)
    assert (caught.value.code, caught.value.ec, caught.value.status) == (code, ec, 400)


def test_blur_softens_a_cut_outs_edge_and_keeps_its_size(objects):
    """The README's rule: blur works on alpha with the colours (bright, contrast and sharpen do not,
    tested in test_strips): a hard transparent edge becomes a ramp."""
    import io

    from PIL import Image

    data = objects["transparent.png"][0]
    source = Image.open(io.BytesIO(data)).getchannel("A")
    image, _ = run(data, "image/blur,r_10,s_5")
    alpha = image.getchannel("A")
    assert image.mode == "RGBA" and image.size == source.size
    levels = set(alpha.tobytes()) - set(source.tobytes())
    assert len(levels) > 50  # in-between levels the hard-edged source never had
