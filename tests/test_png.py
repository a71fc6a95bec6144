"""PNG through libvips (core/codecs/png.py): the same pixels as Pillow's decoder, only the region asked for,
reduced as it is read; the PNGs it does not take, and a deployment without it, go to Pillow."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from conftest import SAMPLES, encoded
from ossimg.core.codecs import png
from ossimg.core.codecs.decode import probe
from ossimg.core.grammar import parse
from ossimg.core.pipeline import Job, render
from ossimg.core.pixels import parallel

CUTOUT = (Path(__file__).resolve().parent.parent / "bench" / "images" / "cutout_1920x1080.png").read_bytes()


def photo(mode: str) -> Image.Image:
    base = Image.open(SAMPLES / "example.jpg").convert("RGB")
    if mode in ("RGBA", "LA"):
        base.putalpha(Image.linear_gradient("L").rotate(30).resize(base.size))
    return base.convert(mode)


def pillow_decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def render_both(data: bytes, process: str, monkeypatch) -> tuple[Image.Image, Image.Image]:
    """The result through libvips, and through Pillow's plugin (libvips made unavailable)."""
    ours = Image.open(io.BytesIO(render(data, parse(process), Job()).body))
    monkeypatch.setattr(png, "available", lambda: False)
    pillows = Image.open(io.BytesIO(render(data, parse(process), Job()).body))
    return ours, pillows


def max_difference(a: Image.Image, b: Image.Image) -> int:
    return max(high for _, high in ImageChops.difference(a, b).getextrema())


def test_libvips_is_installed_for_tests():
    assert png.available()


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "LA"])
def test_decoded_pixels_are_pillows_exactly(mode):
    data = encoded(photo(mode), "PNG")
    assert png.handles(probe(data))
    decoded = png.decode(data)
    assert decoded.image.mode == mode and decoded.image.size == (400, 267)
    assert decoded.image.tobytes() == pillow_decoded(data).tobytes()


def test_a_region_is_decoded_alone_and_exactly():
    decoded = png.decode(CUTOUT, (601, 333, 1401, 777))
    assert decoded.image.size == (800, 444) and decoded.box == (0, 0, 800, 444)
    assert decoded.image.tobytes() == pillow_decoded(CUTOUT).crop((601, 333, 1401, 777)).tobytes()


@pytest.mark.parametrize("threads", [1, 2])
def test_reduced_while_read_is_the_premultiplied_box_average(threads):
    parallel.configure(threads)
    try:
        decoded = png.decode(CUTOUT, None, (300, 169))
    finally:
        parallel.configure(0)
    assert decoded.image.size == (640, 360) and decoded.box == (0, 0, 640, 360)  # 1920 / 300 / 2 -> 3
    expected = pillow_decoded(CUTOUT).convert("RGBa").reduce(3)
    got = decoded.image.convert("RGBa")  # straight alpha back to premultiplied: the same values
    assert got.split()[3].tobytes() == expected.split()[3].tobytes()
    assert max_difference(got, expected) <= 1


def test_resize_matches_pillows_path(monkeypatch):
    ours, pillows = render_both(CUTOUT, "image/resize,w_300", monkeypatch)
    assert ours.size == pillows.size == (300, 169) and ours.mode == pillows.mode == "RGBA"
    assert ours.getchannel("A").tobytes() == pillows.getchannel("A").tobytes()
    seen = [Image.alpha_composite(Image.new("RGBA", ours.size, "white"), im).convert("RGB") for im in (ours, pillows)]
    assert max_difference(*seen) <= 3  # banded resampling and alpha's round trip: a few levels on a few pixels


@pytest.mark.parametrize(
    "process",
    ["image/crop,x_600,y_300,w_500,h_400", "image/crop,x_600,y_300,w_500,h_400/resize,w_100", "image/rotate,90"],
)
def test_crops_and_rotations_match_pillows_path(process, monkeypatch):
    ours, pillows = render_both(encoded(photo("RGB"), "PNG"), process.replace("x_600,y_300", "x_60,y_30"), monkeypatch)
    assert ours.size == pillows.size
    if "resize" not in process:
        assert ours.tobytes() == pillows.tobytes()
        return
    # A crop decoded alone has no pixels beyond its edges for the resize's filter to reach, as a
    # crop of its own would not: the edge rows and columns differ, the inside is the same.
    inside = (3, 3, ours.width - 3, ours.height - 3)
    assert max_difference(ours.crop(inside), pillows.crop(inside)) <= 2


def interlaced(image: Image.Image) -> bytes:
    """An Adam7 PNG (Pillow writes none): made here with libvips."""
    import pyvips

    data = encoded(image, "PNG")
    return pyvips.Image.new_from_buffer(data, "").write_to_buffer(".png", interlace=True)


@pytest.mark.parametrize(
    "made",
    [
        lambda: encoded(photo("RGB").convert("P", palette=Image.Palette.ADAPTIVE), "PNG"),
        lambda: encoded(photo("L").convert("I;16"), "PNG"),
        lambda: encoded(photo("RGB"), "PNG", transparency=(255, 255, 255)),
        lambda: interlaced(photo("RGB")),
    ],
    ids=["palette", "16-bit", "colour key", "interlaced"],
)
def test_pngs_it_does_not_take_go_to_pillow(made, monkeypatch):
    data = made()
    source = probe(data)
    assert not png.handles(source)
    ours, pillows = render_both(data, "image/resize,w_100", monkeypatch)
    assert ours.tobytes() == pillows.tobytes()


def test_without_libvips_pillow_decodes(monkeypatch):
    monkeypatch.setattr(png, "_vips", lambda: None)
    out = Image.open(io.BytesIO(render(CUTOUT, parse("image/resize,w_300"), Job()).body))
    assert out.size == (300, 169)


@pytest.mark.parametrize("cut", [len(CUTOUT) // 2, len(CUTOUT) - 100_000])
def test_a_truncated_png_is_damaged_not_zero_filled(cut):
    from ossimg.core.errors import OssError

    with pytest.raises(OssError) as raised:
        render(CUTOUT[:cut], parse("image/resize,w_300"), Job())
    assert raised.value.ec == "0040-00000005"
