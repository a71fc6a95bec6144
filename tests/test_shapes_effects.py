"""circle, rounded-corners, indexcrop, blur, bright, contrast, sharpen and average-hue on the OSS demo image."""

import json

import pytest
from PIL import Image, ImageFilter, ImageStat

from conftest import render, run, sample
from ossimg.core.errors import OssError
from ossimg.core.grammar import parse

DEMO = sample("example.jpg")


def edges(image: Image.Image) -> float:
    """High-frequency energy: the mean of an edge filter over the grey image."""
    return ImageStat.Stat(image.convert("L").filter(ImageFilter.FIND_EDGES)).mean[0]


def mean(image: Image.Image) -> float:
    return ImageStat.Stat(image.convert("L")).mean[0]


def spread(image: Image.Image) -> float:
    return ImageStat.Stat(image.convert("L")).stddev[0]


def png(process: str) -> Image.Image:
    return run(DEMO, f"image/{process}/format,png")[0]


# circle and rounded corners -------------------------------------------------------------------


@pytest.mark.parametrize("r, side", [(100, 201), (1, 3), (133, 267), (200, 267), (4096, 267)])
def test_circle_size(r, side):  # G12, G14
    image, rendered = run(DEMO, f"image/circle,r_{r}")
    assert image.size == (side, side) and rendered.content_type == "image/jpeg"


def test_circle_is_white_outside_in_jpeg_and_transparent_in_png():  # G12, G13
    jpeg, _ = run(DEMO, "image/circle,r_100")
    assert min(jpeg.getpixel((0, 0))) > 245 and min(jpeg.getpixel((200, 200))) > 245
    image = png("circle,r_100")
    assert image.mode == "RGBA"
    assert image.getpixel((0, 0))[3] == 0 and image.getpixel((200, 0))[3] == 0
    assert image.getpixel((100, 100))[3] == 255 and image.getpixel((100, 2))[3] > 128  # disc touches the edge
    centre = Image.open(__import__("io").BytesIO(DEMO)).convert("RGB").getpixel((200, 133))
    assert all(abs(a - b) < 12 for a, b in zip(image.getpixel((100, 100))[:3], centre))


def test_circle_then_webp_keeps_transparency():
    image, _ = run(DEMO, "image/circle,r_50/format,webp")
    assert image.mode == "RGBA" and image.getpixel((0, 0))[3] == 0


def test_rounded_corners():  # G15, G16
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


# indexcrop ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "process, size, origin",
    [
        ("indexcrop,x_100,i_0", (100, 267), (0, 0)),  # G9
        ("indexcrop,x_100,i_3", (100, 267), (300, 0)),
        ("indexcrop,y_100,i_1", (400, 100), (0, 100)),
        ("indexcrop,y_100,i_2", (400, 67), (0, 200)),  # the last, shorter strip counts
        ("indexcrop,x_100,y_100,i_1", (400, 100), (0, 100)),  # y wins
        ("indexcrop,y_100,i_10", (400, 267), (0, 0)),  # G10: past the end -> the source
        ("indexcrop,x_100,i_100", (400, 267), (0, 0)),  # G11
        ("indexcrop,x_500", (400, 267), (0, 0)),  # longer than the image -> the source
        ("indexcrop,y_50", (400, 50), (0, 0)),  # i defaults to 0
    ],
)
def test_indexcrop(process, size, origin):
    image = png(process)
    reference = Image.open(__import__("io").BytesIO(DEMO)).convert("RGB")
    assert image.size == size
    assert image.convert("RGB").getpixel((0, 0)) == reference.getpixel(origin)


# effects --------------------------------------------------------------------------------------


def test_blur_lowers_high_frequencies_monotonically():  # E3
    levels = [
        edges(png(p)) for p in ("resize,p_100", "blur,r_1,s_1", "blur,r_3,s_2", "blur,r_10,s_5", "blur,r_50,s_50")
    ]
    assert levels == sorted(levels, reverse=True) and levels[-1] < levels[0] / 4
    assert run(DEMO, "image/blur,r_3,s_2")[0].size == (400, 267)


def test_blur_radius_bounds_the_spread():
    assert edges(png("blur,r_2,s_50")) > edges(png("blur,r_20,s_50"))


def test_sharpen_raises_high_frequencies_monotonically():  # E1
    levels = [edges(png(p)) for p in ("resize,p_100", "sharpen,50", "sharpen,100", "sharpen,200", "sharpen,399")]
    assert levels == sorted(levels)
    assert run(DEMO, "image/sharpen,100")[0].size == (400, 267)


def test_bright_moves_the_mean_and_zero_is_neutral():  # E4
    means = [mean(png(f"bright,{v}")) for v in (-100, -50, 0, 50, 100)]
    assert means == sorted(means) and means[0] < 40 and means[-1] > 200
    assert png("bright,0").tobytes() == png("resize,p_100").tobytes()


def test_contrast_moves_the_spread_and_zero_is_neutral():  # E4
    spreads = [spread(png(f"contrast,{v}")) for v in (-100, -50, 0, 50, 100)]
    assert spreads == sorted(spreads) and spreads[0] < 1
    assert abs(mean(png("contrast,50")) - mean(png("resize,p_100"))) < 12
    assert png("contrast,0").tobytes() == png("resize,p_100").tobytes()


def test_effects_leave_alpha_alone(objects):
    data = objects["transparent.png"][0]
    for process in ("bright,50", "contrast,50", "blur,r_1,s_1", "sharpen,100"):
        image, _ = run(data, f"image/{process}")
        assert image.mode == "RGBA" and image.getpixel((0, 0))[3] == 0, process


# average-hue ----------------------------------------------------------------------------------


def test_average_hue_of_the_demo_image():  # I4: {"RGB": "0x5c783b"} within OSS's unpublished threshold
    rendered = run_json(DEMO, "image/average-hue")
    value = json.loads(rendered.body)["RGB"]
    assert value.startswith("0x") and len(value) == 8 and value == value.lower()
    rgb = bytes.fromhex(value[2:])
    assert all(abs(a - b) <= 3 for a, b in zip(rgb, (0x5C, 0x78, 0x3B)))


def test_average_hue_of_a_flat_colour_is_that_colour():
    flat = __import__("conftest").encoded(Image.new("RGB", (50, 50), (200, 30, 40)))
    assert json.loads(run_json(flat, "image/average-hue").body) == {"RGB": "0xc81e28"}


def test_average_hue_stands_alone():
    with pytest.raises(OssError):
        parse("image/resize,w_10/average-hue")


# errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "process, code, ec",
    [
        ("circle", "MissingArgument", "0040-00000233"),
        ("circle,r_5000", "InvalidArgument", "0040-00000233"),
        ("circle,r_abc", "InvalidArgument", "0040-00000233"),
        ("circle,r_0", "InvalidArgument", "0040-00000233"),
        ("rounded-corners,r_5000", "InvalidArgument", "0040-00000237"),
        ("rounded-corners", "MissingArgument", "0040-00000237"),
        ("indexcrop,x_0", "InvalidArgument", "0040-00000230"),
        ("indexcrop,y_0", "InvalidArgument", "0040-00000230"),
        ("indexcrop,y_abc", "InvalidArgument", "0040-00000224"),
        ("indexcrop,x_10,i_abc", "InvalidArgument", "0040-00000229"),
        ("indexcrop,i_1", "MissingArgument", "0040-00000230"),
        ("blur,r_200,s_2", "InvalidArgument", "0040-00000241"),
        ("blur,r_abc,s_2", "InvalidArgument", "0040-00000241"),
        ("blur,s_2", "MissingArgument", "0040-00000241"),
        ("blur,r_2", "MissingArgument", None),
        ("blur,r_2,s_51", "InvalidArgument", None),
        ("blur,r_2,s_2,g_face", "InvalidArgument", None),
        ("bright", "MissingArgument", "0040-00000245"),
        ("bright,200", "InvalidArgument", "0040-00000246"),
        ("bright,abc", "InvalidArgument", "0040-00000246"),
        ("contrast,101", "InvalidArgument", None),
        ("contrast", "MissingArgument", None),
        ("sharpen", "MissingArgument", "0040-00000279"),
        ("sharpen,10", "InvalidArgument", "0040-00000280"),
        ("sharpen,400", "InvalidArgument", "0040-00000280"),
    ],
)
def test_documented_errors(process, code, ec):  # E5 and the EC catalogue
    with pytest.raises(OssError) as caught:
        parse("image/" + process)
    assert (caught.value.code, caught.value.ec, caught.value.status) == (code, ec, 400)


def run_json(data: bytes, process: str):
    rendered = render(data, process)
    assert rendered.content_type == "application/json"
    return rendered
