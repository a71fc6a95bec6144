"""Animated GIF and WebP: which actions keep every frame, with durations, loop count and transparency."""

import io

import pytest
from PIL import Image, ImageChops, ImageStat

from conftest import run, sample
from ossimg.core.budget.limits import Limits
from ossimg.core.errors import OssError

GIF = sample("example.gif")  # 500x300, 3 frames of 50 ms, looping forever


def frames_of(image: Image.Image) -> list[tuple[Image.Image, int]]:
    out = []
    for index in range(getattr(image, "n_frames", 1)):
        image.seek(index)
        image.load()
        out.append((image.convert("RGBA"), image.info.get("duration")))
    return out


def moving_square(fmt: str, disposal: int | None = None, loop: int | None = 0) -> bytes:
    """Four frames: a red square walking right over a transparent background."""
    frames = []
    for step in range(4):
        frame = Image.new("RGBA", (80, 40), (0, 0, 0, 0))
        frame.paste((255, 0, 0, 255), (step * 20, 10, step * 20 + 20, 30))
        frames.append(frame)
    buf = io.BytesIO()
    options = {"duration": [40, 80, 120, 160]}
    if loop is not None:
        options["loop"] = loop
    if disposal is not None:
        options["disposal"] = disposal
    if fmt == "WEBP":
        options["kmax"] = 1  # keyframes keep the alpha flag (see codecs.encode_animation)
    frames[0].save(buf, fmt, save_all=True, append_images=frames[1:], **options)
    return buf.getvalue()


def diff(a: Image.Image, b: Image.Image) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB"))).mean) / 3


@pytest.mark.parametrize(
    "process, size",
    [
        ("resize,w_200", (200, 120)),
        ("resize,m_fill,w_100,h_100", (100, 100)),
        ("crop,w_100,h_100,g_center", (100, 100)),
        ("resize,w_200/crop,w_50,h_50/format,gif", (50, 50)),
    ],
)
def test_resize_and_crop_keep_every_frame(process, size):
    image, rendered = run(GIF, "image/" + process)
    assert rendered.content_type == "image/gif"
    frames = frames_of(image)
    assert len(frames) == 3 and image.size == size
    assert [d for _, d in frames] == [50, 50, 50]
    assert image.info.get("loop") == 0


def test_each_output_frame_is_the_source_frame_resized():
    image, _ = run(GIF, "image/resize,w_250")
    source = frames_of(Image.open(io.BytesIO(GIF)))
    for (frame, _), (original, _) in zip(frames_of(image), source):
        assert diff(frame, original.resize(frame.size, Image.Resampling.LANCZOS)) < 6


def test_gif_to_webp_stays_animated():
    image, rendered = run(GIF, "image/resize,w_200/format,webp")
    frames = frames_of(image)
    assert rendered.content_type == "image/webp" and image.size == (200, 120)
    assert len(frames) == 3 and [d for _, d in frames] == [50, 50, 50]


@pytest.mark.parametrize("process", ["rotate,90", "resize,p_50", "quality,q_50", "blur,r_2,s_2", "circle,r_50"])
def test_other_actions_give_a_still_first_frame(process):
    image, rendered = run(GIF, "image/" + process)
    assert rendered.content_type == "image/gif" and getattr(image, "n_frames", 1) == 1


@pytest.mark.parametrize("fmt", ["png", "jpg", "bmp"])
def test_still_formats_get_the_first_frame(fmt):
    from ossimg.core.codecs.encode import flatten

    image, _ = run(GIF, f"image/resize,w_100/format,{fmt}")
    first = Image.open(io.BytesIO(GIF)).convert("RGBA").resize(image.size, Image.Resampling.LANCZOS)
    assert getattr(image, "n_frames", 1) == 1 and diff(flatten(image), flatten(first)) < 6  # mostly transparent


def test_animations_are_never_enlarged():
    image, _ = run(GIF, "image/resize,w_1000,limit_0")
    assert image.size == (500, 300) and len(frames_of(image)) == 3


@pytest.mark.parametrize("disposal", [None, 1, 2, 3])
def test_transparency_and_disposal_render_like_the_source(disposal):
    data = moving_square("GIF", disposal)
    image, _ = run(data, "image/resize,w_40")
    frames = frames_of(image)
    assert [d for _, d in frames] == [40, 80, 120, 160]
    source = frames_of(Image.open(io.BytesIO(data)))
    for (frame, _), (original, _) in zip(frames, source):
        expected = original.resize((40, 20), Image.Resampling.LANCZOS)
        assert frame.getchannel("A").getextrema()[0] == 0 or expected.getchannel("A").getextrema()[0] > 0
        assert diff(frame, expected) < 12


def test_transparent_background_stays_transparent():
    image, _ = run(moving_square("GIF", 2), "image/resize,w_40")
    for frame, _ in frames_of(image):
        assert frame.getpixel((39, 0))[3] == 0 or frame.getpixel((0, 0))[3] == 0


def test_a_gif_that_plays_once_still_plays_once():
    image, _ = run(moving_square("GIF", 2, loop=None), "image/resize,w_40")
    assert "loop" not in image.info and len(frames_of(image)) == 4


def test_animated_webp_source():
    data = moving_square("WEBP")
    image, rendered = run(data, "image/resize,w_40")
    frames = frames_of(image)
    assert rendered.content_type == "image/webp" and len(frames) == 4
    assert [d for _, d in frames] == [40, 80, 120, 160]
    assert frames[0][0].getpixel((39, 0))[3] == 0


def test_a_one_frame_gif_is_a_still():
    buf = io.BytesIO()
    Image.new("RGB", (30, 30), (0, 128, 0)).save(buf, "GIF")
    image, _ = run(buf.getvalue(), "image/resize,w_10")
    assert image.size == (10, 10) and getattr(image, "n_frames", 1) == 1


def test_frame_cap():
    with pytest.raises(OssError) as caught:
        run(GIF, "image/resize,w_10", Limits(max_frames=2))
    assert caught.value.code == "ImageTooLarge"
    from ossimg.config import Settings

    assert Settings.from_env({"MAX_FRAMES": "7"}).limits.max_frames == 7
