"""strips: the strip-at-a-time operations give what the whole-image Pillow calls give."""

import io

import pytest
from PIL import Image, ImageChops, ImageFilter, ImageStat

from conftest import run, sample
from ossimg.core import strips
from ossimg.core.codecs import normalise_mode


@pytest.fixture(autouse=True)
def tiny_strips(monkeypatch):
    """Strips of 64 KB, so a 1200 px image is cut into dozens of them."""
    monkeypatch.setattr(strips, "STRIP_BYTES", 64 << 10)


def picture(mode: str) -> Image.Image:
    base = Image.open(io.BytesIO(sample("example.jpg"))).convert("RGB").resize((1200, 801))
    if mode == "RGBA":
        base.putalpha(Image.linear_gradient("L").resize(base.size))
        return base
    return base.convert(mode)


def differences(a: Image.Image, b: Image.Image) -> tuple[float, int]:
    diff = ImageChops.difference(a.convert("RGBA"), b.convert("RGBA"))
    return sum(ImageStat.Stat(diff).mean) / 4, max(high for _, high in diff.getextrema())


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "P", "L"])
@pytest.mark.parametrize(
    "size, box",
    [((100, 67), None), ((400, 267), None), ((900, 600), None), ((100, 100), (100, 50, 700, 650)),
     ((500, 500), (10.5, 20.25, 1100, 790))],
)  # fmt: skip
def test_resample_is_pillows_resize_with_reducing_gap(mode, size, box):
    image = picture(mode)
    reference = normalise_mode(image).resize(size, Image.Resampling.LANCZOS, box, reducing_gap=strips.REDUCING_GAP)
    result = strips.resample(image, size, box, normalise_mode)
    mean, worst = differences(result, reference)
    assert result.mode == reference.mode and result.size == size
    # Bands of output rows recompute the filter's float positions: a level at most, more only where
    # a nearly transparent pixel's colour is divided by a tiny alpha.
    assert mean < 0.05 and worst <= (4 if mode == "RGBA" else 1)


@pytest.mark.parametrize("radius", [1, 5])
def test_a_filter_in_place_is_the_whole_image_filter(radius):
    image = picture("RGB")
    reference = image.filter(ImageFilter.GaussianBlur(radius))
    result = strips.filtered_in_place(
        image.copy(), lambda piece: piece.filter(ImageFilter.GaussianBlur(radius)), 8 * radius + 4
    )
    assert result.tobytes() == reference.tobytes()


def test_conversions_and_maps_are_exact():
    image = picture("P")
    assert strips.converted(image, normalise_mode).tobytes() == image.convert("RGB").tobytes()
    rgb = picture("RGB")
    table = [255 - v for v in range(256)] * 3
    assert strips.mapped_in_place(rgb.copy(), lambda piece: piece.point(table)).tobytes() == rgb.point(table).tobytes()


def test_effects_leave_alpha_alone(objects):
    data = objects["transparent.png"][0]
    for process in ("bright,50", "contrast,50", "blur,r_1,s_1", "sharpen,100"):
        image, _ = run(data, f"image/{process}")
        assert image.mode == "RGBA" and image.getpixel((0, 0))[3] == 0, process
