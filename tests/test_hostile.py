"""Hostile and broken inputs through every action family: a sane 200 or an OSS 4xx, never a 500 or a hang."""

import io
import time
from pathlib import Path

import pytest
from PIL import Image

from conftest import encoded, sample
from hostile import (
    damaged,
    gif_header,
    jpeg_header,
    many_frames_gif,
    png_header,
    random_bytes,
    tiff_header,
    webp_canvas,
)
from ossimg.config import Settings
from ossimg.core import pipeline
from ossimg.core.actions.params import b64encode
from ossimg.service.handle import Backends, handle
from ossimg.service.request import ImageRequest
from ossimg.service.styles.store import StyleStore
from ossimg.stores.memory import MemorySource

FAMILIES = [
    "image/resize,w_100",
    "image/resize,m_pad,w_50,h_50",
    "image/crop,w_50,h_50,g_center",
    "image/rotate,90",
    "image/rotate,33",
    "image/auto-orient,0/format,png",
    "image/format,webp",
    "image/format,jpg/interlace,1",
    "image/quality,q_50",
    "image/info",
    "image/average-hue",
    "image/circle,r_20",
    "image/indexcrop,y_20,i_1",
    "image/blur,r_3,s_2",
    "image/bright,30/contrast,30/sharpen,100",
    f"image/watermark,text_{b64encode('水印')},g_center,size_20",
]


def serve(data: bytes, process: str | None, settings: Settings | None = None):
    source = MemorySource({"x": data})
    settings = settings or Settings(bucket="memory")
    return handle(ImageRequest("GET", "x", process), settings, Backends(source, StyleStore(source, "_styles/", 60)))


def assert_sane(response, process):
    assert response.status in (200, 400), (response.status, response.body[:200])
    if response.status == 400:
        assert response.body.startswith(b"<?xml") and b"<Code>" in response.body
    elif process not in ("image/info", "image/average-hue"):
        Image.open(io.BytesIO(response.body)).load()  # a whole, decodable image


@pytest.fixture
def no_decoding(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a pixel was decoded")

    monkeypatch.setattr(pipeline, "decode", refuse)
    monkeypatch.setattr(pipeline, "decode_frames", refuse)
    monkeypatch.setattr(Image.Image, "load", refuse)


def peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
    return 0.0


BOMBS = {
    "png 30000x30000": (png_header(30_000, 30_000), "0040-00000012"),
    "png 16384x16384": (png_header(16384, 16384), "0040-00000012"),
    "png 30001x1": (png_header(30_001, 1), "0040-00000009"),
    "jpeg 60000x60000": (jpeg_header(60_000, 60_000), "0040-00000019"),
    "jpeg 20000x20000": (jpeg_header(20_000, 20_000), "0040-00000012"),
    "gif 60000x60000": (gif_header(60_000, 60_000), "0040-00000009"),
    "webp canvas 16383x16383": (webp_canvas(16383, 16383), "0040-00000012"),
    "tiff 100000x10": (tiff_header(100_000, 10), "0040-00000018"),
}


@pytest.mark.parametrize("name", list(BOMBS))
def test_bombs_are_refused_before_decoding_in_milliseconds_and_little_memory(name, no_decoding):
    data, ec = BOMBS[name]
    assert len(data) < 5000
    Path("/proc/self/clear_refs").write_text("5")
    before, start = peak_mb(), time.perf_counter()
    response = serve(data, "image/resize,w_100")
    assert time.perf_counter() - start < 0.5
    assert peak_mb() - before < 20
    assert response.status == 400 and f"<EC>{ec}</EC>".encode() in response.body


@pytest.mark.parametrize("name", list(BOMBS))
def test_bombs_are_refused_by_every_action_family(name, no_decoding):
    for process in FAMILIES:
        response = serve(BOMBS[name][0], process)
        assert response.status == 400 and b"ImageTooLarge" in response.body, process


def test_thousands_of_frames_are_refused():
    response = serve(many_frames_gif(1500), "image/resize,w_10")
    assert response.status == 400 and b"ImageTooLarge" in response.body


@pytest.mark.parametrize("process", ["image/resize,w_10", "image/info"])
def test_sixteen_thousand_square_within_the_side_limit_still_counts_pixels(process, no_decoding):
    response = serve(png_header(16384, 16384), process)
    assert response.status == 400  # 268 MP > 250 MP, even for info: the header alone says so


NOT_IMAGES = {
    "zero bytes": b"",
    "random bytes": random_bytes(5000),
    "text named .jpg": b"<html>this is not a picture</html>\n" * 20,
    "jpeg magic then garbage": b"\xff\xd8\xff\xe0" + random_bytes(3000, 2),
    "png magic then garbage": b"\x89PNG\r\n\x1a\n" + random_bytes(3000, 3),
    "riff but not webp": b"RIFF\x00\x01\x00\x00WAVEfmt " + random_bytes(100, 4),
    "ftyp but nothing": b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + random_bytes(200, 5),
}


@pytest.mark.parametrize("name", list(NOT_IMAGES))
@pytest.mark.parametrize("process", ["image/resize,w_10", "image/info", "image/average-hue"])
def test_non_images_are_a_clear_400(name, process):
    """Not an image: EC 0040-00000005. A file that names itself HEIC but cannot be decoded gets
    OSS's HEIC decode code, 0040-00000020 (its EC page: the source HEIC is damaged)."""
    response = serve(NOT_IMAGES[name], process)
    ec = b"0040-00000020" if name == "ftyp but nothing" else b"0040-00000005"
    assert response.status == 400 and b"<EC>" + ec + b"</EC>" in response.body


@pytest.fixture(scope="module")
def corrupted(objects):
    cases = {}
    for key in ("example.png", "example.webp", "example.bmp", "example.tiff", "example.heic", "example.avif"):
        for how, data in damaged(objects[key][0]).items():
            cases[f"{key} {how}"] = data
    for key in ("example.jpg", "f.jpg", "example.gif"):
        for how, data in damaged(sample(key)).items():
            cases[f"{key} {how}"] = data
    return cases


def test_every_damaged_file_through_every_action_family(corrupted):
    for data in corrupted.values():
        for process in FAMILIES:
            assert_sane(serve(data, process), process)


@pytest.mark.parametrize("process", FAMILIES)
def test_the_same_families_work_on_real_images(process, objects):
    for key in ("example.jpg", "example.gif", "transparent.png", "example.heic"):
        response = serve(objects[key][0], process)
        assert response.status == 200, (key, response.body[:300])
        assert_sane(response, process)


def test_cmyk_jpeg_colours_survive():
    red = Image.new("RGB", (64, 64), (220, 30, 30))
    data = encoded(red.convert("CMYK"), "JPEG", quality=95)
    for process in ("image/resize,w_32", "image/format,png", "image/rotate,45"):
        response = serve(data, process)
        image = Image.open(io.BytesIO(response.body)).convert("RGB")
        r, g, b = image.getpixel((image.width // 2, image.height // 2))
        assert r > 190 and g < 70 and b < 70, (process, (r, g, b))


def test_sixteen_bit_grey_png_is_scaled_not_clipped():
    grey = Image.new("I;16", (64, 64))
    grey.putdata([(x * 1024) for y in range(64) for x in range(64)])  # 0 .. 64512
    response = serve(encoded(grey), "image/resize,w_32/format,png")
    image = Image.open(io.BytesIO(response.body)).convert("L")
    assert image.getpixel((0, 16)) < 10 and 200 < image.getpixel((31, 16)) < 256
    assert image.getpixel((16, 16)) < 160  # a ramp, not a white wall


@pytest.mark.parametrize(
    "mode, colour",
    [("LA", (128, 0)), ("RGBA", (10, 200, 10, 0)), ("P", None)],
)
def test_png_transparency_in_every_mode(mode, colour):
    if mode == "P":
        image = Image.new("P", (40, 40), 1)
        image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
        image.info["transparency"] = 1
        data = encoded(image, transparency=1)
    else:
        data = encoded(Image.new(mode, (40, 40), colour))
    png = Image.open(io.BytesIO(serve(data, "image/resize,w_20").body))
    assert png.convert("RGBA").getpixel((10, 10))[3] == 0
    jpeg = Image.open(io.BytesIO(serve(data, "image/resize,w_20/format,jpg").body))
    assert min(jpeg.convert("RGB").getpixel((10, 10))) > 240  # transparency on white


def test_broken_exif_is_ignored():
    base = sample("example.jpg")
    broken_app1 = b"\xff\xe1\x00\x20Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\xff\xff" + b"\x00" * 12
    data = base[:2] + broken_app1 + base[2:]
    for process in ("image/resize,w_100", "image/info", "image/rotate,90"):
        response = serve(data, process)
        assert response.status == 200, response.body[:200]


def test_a_one_frame_animation_and_a_gif_with_a_damaged_later_frame(objects):
    single = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 0, 200)).save(single, "GIF", save_all=True, append_images=[], duration=50, loop=0)
    assert serve(single.getvalue(), "image/resize,w_10").status == 200
    gif = sample("example.gif")
    cut = gif[: int(len(gif) * 0.8)]  # the last frame is incomplete
    assert_sane(serve(cut, "image/resize,w_100"), "image/resize,w_100")


def srgb_bytes() -> bytes:
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def test_a_profile_is_only_kept_when_it_matches_the_output():
    cmyk_profile = bytearray(srgb_bytes())
    cmyk_profile[16:20] = b"CMYK"  # claims CMYK (and cannot convert): the plain conversion is used
    red = Image.new("RGB", (32, 32), (220, 30, 30)).convert("CMYK")
    out = Image.open(io.BytesIO(serve(encoded(red, "JPEG", icc_profile=bytes(cmyk_profile)), "image/format,png").body))
    assert "icc_profile" not in out.info  # a CMYK profile on RGB pixels would be wrong
    assert out.convert("RGB").getpixel((16, 16))[0] > 190
    tagged = encoded(Image.new("RGB", (32, 32), (10, 200, 10)), "JPEG", icc_profile=srgb_bytes())
    kept = Image.open(io.BytesIO(serve(tagged, "image/resize,w_16/format,webp").body))
    assert kept.info.get("icc_profile") == srgb_bytes()
    grey = encoded(Image.new("L", (32, 32), 128), "JPEG", icc_profile=srgb_bytes())  # an RGB profile on grey
    assert "icc_profile" not in Image.open(io.BytesIO(serve(grey, "image/format,png").body)).info
