"""strips: the strip-at-a-time operations give what the whole-image Pillow calls give."""

import io

import pytest
from PIL import Image, ImageChops, ImageFilter, ImageStat

from conftest import run, sample
from ossimg.core.codecs.decode import normalise_mode
from ossimg.core.pixels import strips


@pytest.fixture(autouse=True, params=[1, 3], ids=["one worker", "three workers"])
def tiny_strips(monkeypatch, request):
    """Strips of 64 KB, so a 1200 px image is cut into dozens of them; made one at a time, and
    three at once (strips finishing out of order must land in their place)."""
    from ossimg.core.pixels import parallel

    monkeypatch.setattr(strips, "STRIP_BYTES", 64 << 10)
    before = parallel.workers()
    parallel.configure(request.param)
    yield
    parallel.configure(before)


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
    """bright, contrast and sharpen keep the alpha channel exactly; blur softens it with the
    colours (test_blur), and a transparent corner far from the edge stays transparent."""
    data = objects["transparent.png"][0]
    source = Image.open(io.BytesIO(data)).getchannel("A").tobytes()
    for process in ("bright,50", "contrast,50", "sharpen,100"):
        image, _ = run(data, f"image/{process}")
        assert image.mode == "RGBA" and image.getchannel("A").tobytes() == source, process
    image, _ = run(data, "image/blur,r_1,s_1")
    assert image.mode == "RGBA" and image.getpixel((0, 0))[3] == 0


@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
def test_an_image_below_the_strip_budget_is_still_shared_among_workers(monkeypatch, mode):
    """With the real 16 MB budget a 1200 px image is one strip; with workers it is cut into one
    band each, made at once, and must still be the whole-image call's result."""
    monkeypatch.setattr(strips, "STRIP_BYTES", 16 << 20)
    image = picture(mode)
    reference = normalise_mode(image).resize((900, 600), Image.Resampling.LANCZOS)
    result = strips.resample(image, (900, 600), None, normalise_mode)
    if mode == "RGBA":  # compared as seen (premultiplied): a colour under alpha 1 may differ by anything
        result, reference = result.convert("RGBa"), reference.convert("RGBa")
    diff = ImageChops.difference(result, reference)
    mean, worst = sum(ImageStat.Stat(diff).mean) / len(diff.getbands()), max(hi for _, hi in diff.getextrema())
    # Pillow orders its two passes by the call's shape, so a band's 8-bit intermediate can round
    # differently from the whole call's: a few levels at most, on a few pixels in a hundred.
    assert mean < 0.1 and worst <= 3
    blurred = strips.filtered_in_place(image.copy(), lambda piece: piece.filter(ImageFilter.GaussianBlur(3)), 28)
    assert blurred.tobytes() == image.filter(ImageFilter.GaussianBlur(3)).tobytes()
