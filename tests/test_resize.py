"""resize: OSS's worked examples through the real pipeline, outputs decoded and measured."""

import functools

import pytest
from PIL import Image

from conftest import encoded, run, sample
from ossimg.core.errors import OssError

BLUE = (0, 0, 255)


@functools.cache
def solid(width: int, height: int) -> bytes:
    return encoded(Image.new("RGB", (width, height), BLUE), "JPEG", quality=90)


@pytest.mark.parametrize(
    "source, process, expected",
    [
        ((200, 100), "resize,m_lfit,w_150,h_80", (150, 75)),
        ((200, 100), "resize,m_mfit,w_150,h_80", (160, 80)),
        ((200, 100), "resize,m_fill,w_150,h_80", (150, 80)),
        ((200, 100), "resize,m_pad,w_150,h_80", (150, 80)),
        ((200, 100), "resize,m_fixed,w_150,h_80", (150, 80)),
        ((2500, 1875), "resize,p_50", (1250, 938)),
        ((2500, 1875), "resize,p_120", (3000, 2250)),
        ((2500, 1875), "resize,w_200", (200, 150)),
        ((2500, 1875), "resize,w_3000,limit_0", (3000, 2250)),
        ((2500, 1875), "resize,h_100", (133, 100)),
        ((2500, 1875), "resize,h_2000,limit_0", (2667, 2000)),
        ((2500, 1875), "resize,l_200", (200, 150)),
        ((2500, 1875), "resize,s_200", (267, 200)),
        ((2500, 1875), "resize,m_pad,w_100,h_100", (100, 100)),
        ((2500, 1875), "resize,m_pad,w_100,h_100,color_FF0000", (100, 100)),
        ((2500, 1875), "resize,m_fill,w_100,h_100", (100, 100)),
        ((2500, 1875), "resize,m_fixed,w_100,h_100", (100, 100)),
        ((256, 144), "resize,h_100", (178, 100)),
        ((256, 144), "resize,m_mfit,h_100", (178, 100)),
        ((256, 144), "resize,m_fixed,h_100", (178, 100)),
        ((256, 144), "resize,m_pad,h_100", (100, 100)),
        ((256, 144), "resize,m_fill,h_100", (100, 100)),
        ((3924, 2550), "resize,l_923,h_600", (923, 600)),  # l ignored because h is set
        ((900, 7321), "resize,m_lfit,w_1600/quality,q_90", (900, 7321)),
        ((144, 256), "resize,l_100", (56, 100)),  # portrait: the longer side is the height
        ((144, 256), "resize,s_100", (100, 178)),
        ((144, 256), "resize,l_100,s_50", (50, 89)),  # the box follows the source's orientation
        ((10000, 3), "resize,w_100", (100, 1)),  # a derived side never rounds to zero
        ((200, 100), "resize,m_fill,w_300,h_300", (200, 100)),  # limit_1: no enlargement, source kept
        ((200, 100), "resize,m_pad,w_300,h_50", (300, 50)),  # pad shrinks to 100x50, then the canvas
    ],
)
def test_worked_examples_on_synthetic_sources(source, process, expected):
    image, rendered = run(solid(*source), "image/" + process)
    assert image.size == expected
    assert image.format == "JPEG" and rendered.content_type == "image/jpeg"


@pytest.mark.parametrize(
    "process, expected",
    [
        ("resize,m_fixed,w_100,h_100", (100, 100)),
        ("resize,h_100,m_lfit", (150, 100)),
        ("resize,l_100", (100, 67)),
        ("resize,s_100", (150, 100)),
        ("resize,l_100,s_100", (100, 67)),
        ("resize,l_100,s_100,m_fixed", (100, 100)),
        ("resize,p_50", (200, 134)),
        ("resize,w_500", (400, 267)),
        ("resize,w_500,limit_0", (500, 334)),
        ("resize,m_fill,h_100,w_100", (100, 100)),
        ("resize,m_pad,h_100,w_100,color_FF0000", (100, 100)),
        ("resize,w_300,h_300", (300, 200)),
        ("resize,w_100", (100, 67)),
        ("resize,w_100,p_10", (100, 67)),  # w/h win over p
        ("resize,l_100,p_10", (100, 67)),  # l/s win over p
        ("resize,w_100,l_300", (100, 67)),  # w/h win over l/s
    ],
)
def test_worked_examples_on_the_oss_demo_image(process, expected):
    image, _ = run(sample("example.jpg"), "image/" + process)
    assert image.size == expected and image.format == "JPEG"


def test_pad_centres_the_image_on_the_colour():
    image, _ = run(solid(200, 100), "image/resize,m_pad,w_150,h_80,color_FF0000")
    rgb = image.convert("RGB")
    assert _near(rgb.getpixel((75, 0)), (255, 0, 0))  # bar above: 80 - 75 = 5 rows, 2 on top
    assert _near(rgb.getpixel((75, 79)), (255, 0, 0))
    assert _near(rgb.getpixel((75, 40)), BLUE)


def test_pad_defaults_to_white():
    image, _ = run(solid(200, 100), "image/resize,m_pad,w_100,h_100")
    assert _near(image.convert("RGB").getpixel((50, 2)), (255, 255, 255))


def test_fill_crops_the_overflow_from_the_centre():
    source = Image.new("RGB", (300, 100), (255, 0, 0))
    source.paste((0, 255, 0), (100, 0, 200, 100))  # red | green | red
    image, _ = run(encoded(source), "image/resize,m_fill,w_100,h_100")
    assert image.size == (100, 100)
    assert _near(image.convert("RGB").getpixel((50, 50)), (0, 255, 0))
    assert _near(image.convert("RGB").getpixel((2, 50)), (0, 255, 0))  # the red sides are cropped off


def test_fixed_stretches_the_content():
    source = Image.new("RGB", (200, 100), (255, 0, 0))
    source.paste((0, 0, 255), (100, 0, 200, 100))
    image, _ = run(encoded(source), "image/resize,m_fixed,w_50,h_100")
    assert image.size == (50, 100)
    assert _near(image.convert("RGB").getpixel((5, 50)), (255, 0, 0))
    assert _near(image.convert("RGB").getpixel((45, 50)), (0, 0, 255))


def test_fixed_enlarging_one_side_keeps_the_source_under_limit_1():
    image, _ = run(solid(200, 100), "image/resize,m_fixed,w_50,h_200")
    assert image.size == (200, 100)


def test_resized_pixels_match_a_full_decode_reference():
    """Draft decoding must not visibly change the result (mean absolute difference < 2/255)."""
    data = sample("exif-orientation/Landscape_1.jpg")
    image, _ = run(data, "image/resize,w_150/format,png")
    reference = Image.open(__import__("io").BytesIO(data)).convert("RGB").resize(image.size, Image.Resampling.LANCZOS)
    assert _mean_abs_diff(image.convert("RGB"), reference) < 2.0


@pytest.mark.parametrize(
    "source, process",
    [
        ((5001, 5001), "resize,m_fixed,w_5000,h_5000"),
        ((2500, 1875), "resize,m_fixed,w_5000,h_5000,limit_0"),
        ((2500, 1875), "resize,w_16384,limit_0"),
        ((2500, 1875), "resize,p_1000"),
    ],
)
def test_output_over_the_resize_limit_is_refused_before_decoding(source, process, monkeypatch):
    monkeypatch.setattr("ossimg.core.pipeline.decode", _never_called)
    with pytest.raises(OssError) as caught:
        run(solid(*source), "image/" + process)
    assert (caught.value.code, caught.value.ec, caught.value.status) == ("ImageTooLarge", "0040-00000007", 400)


def _never_called(*args, **kwargs):
    raise AssertionError("the image was decoded")


def _near(a, b, tolerance=24):
    return all(abs(x - y) <= tolerance for x, y in zip(a, b))


def _mean_abs_diff(a: Image.Image, b: Image.Image) -> float:
    from PIL import ImageChops, ImageStat

    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3
