"""The fast paths (issue: performance): what is decoded, and that it looks the same as a full decode."""

import io

import pytest
from PIL import Image, ImageChops, ImageStat

from conftest import encoded, run, sample
from ossimg.core import pipeline
from ossimg.core.grammar import parse

PHOTO = (__import__("pathlib").Path(__file__).resolve().parent.parent / "bench/images/photo_4000x3000.jpg").read_bytes()


@pytest.fixture
def decoded(monkeypatch):
    """The sizes of every image the pipeline decodes (JPEG drafts and partial decodes show up here)."""
    sizes = []
    real, real_region = pipeline.decode, pipeline.decode_region

    def spy(*args, **kwargs):
        image = real(*args, **kwargs)
        sizes.append(image.size)
        return image

    def region_spy(*args, **kwargs):
        image, box = real_region(*args, **kwargs)
        sizes.append(image.size)
        return image, box

    monkeypatch.setattr(pipeline, "decode", spy)
    monkeypatch.setattr(pipeline, "decode_region", region_spy)
    return sizes


def mean_difference(a: Image.Image, b: Image.Image) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB"))).mean) / 3


@pytest.fixture(scope="module")
def full_photo():
    image = Image.open(io.BytesIO(PHOTO))
    image.load()
    return image.convert("RGB")


@pytest.mark.parametrize("width, decoded_width", [(300, 500), (1000, 2000), (1920, 2000), (2500, 4000)])
def test_shrinking_a_jpeg_decodes_no_more_than_needed(decoded, width, decoded_width):
    image, _ = run(PHOTO, f"image/resize,w_{width}")
    assert image.width == width
    assert decoded == [(decoded_width, decoded_width * 3 // 4)]  # the smallest DCT scale above the target


def test_draft_never_does_the_whole_shrink(decoded):
    run(PHOTO, "image/resize,w_500")  # 1/8 would give exactly 500: one scale less, LANCZOS finishes
    assert decoded == [(1000, 750)]


@pytest.mark.parametrize("process", ["resize,w_300", "resize,w_1920", "resize,m_fill,w_400,h_400"])
def test_fast_resizes_match_a_full_decode(full_photo, process):
    image, _ = run(PHOTO, f"image/{process}/format,png")
    (call,) = parse(f"image/{process}").calls
    reference = call.action.apply(full_photo, call.args, full_photo.size)  # the same action on a full decode
    assert image.size == reference.size
    assert mean_difference(image, reference) < 1.5


def test_a_crop_decodes_only_down_to_its_bottom_row_and_is_pixel_exact(decoded, full_photo):
    image, _ = run(PHOTO, "image/crop,w_1000,h_1000,g_center/format,png")
    assert decoded == [(4000, 2000)]
    assert image.tobytes() == full_photo.crop((1500, 1000, 2500, 2000)).tobytes()


def test_progressive_jpegs_are_decoded_whole(decoded):
    progressive = encoded(Image.open(io.BytesIO(sample("example.jpg"))), "JPEG", progressive=True, quality=90)
    image, _ = run(progressive, "image/crop,w_100,h_100")
    assert decoded == [(400, 267)] and image.size == (100, 100)


@pytest.mark.parametrize("process", ["circle,r_100", "indexcrop,y_50,i_1"])
def test_other_region_actions_use_the_logical_size(process, decoded):
    image, _ = run(sample("example.jpg"), f"image/{process}/format,png")
    reference, _ = run(encoded(Image.open(io.BytesIO(sample("example.jpg")))), f"image/{process}/format,png")
    assert decoded[0][1] < 267 and image.size == reference.size
    assert mean_difference(image, reference) < 1


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize(
    "process", ["resize,w_150", "resize,m_fill,w_100,h_100", "resize,s_80", "resize,m_pad,w_200,h_200"]
)
def test_orientation_is_applied_once_on_the_small_image(orientation, process, decoded):
    upright, _ = run(
        encoded(Image.open(io.BytesIO(sample("exif-orientation/Landscape_1.jpg"))).convert("RGB")),
        f"image/{process}/format,png",
    )
    image, _ = run(sample(f"exif-orientation/Landscape_{orientation}.jpg"), f"image/{process}/format,png")
    stored = Image.open(io.BytesIO(sample(f"exif-orientation/Landscape_{orientation}.jpg"))).size
    assert decoded[-1][0] * decoded[-1][1] < stored[0] * stored[1]  # shrunk on load, before turning
    assert image.size == upright.size and mean_difference(image, upright) < 4


def test_encoder_settings_come_from_the_environment():
    from ossimg.config import Settings

    settings = Settings.from_env({"WEBP_METHOD": "2", "HEIC_PRESET": "medium", "AVIF_SPEED": ""}).encoders
    assert (settings.webp_method, settings.heic_preset, settings.avif_speed) == (2, "medium", 8)


def test_encoder_settings_change_the_output():
    from ossimg.core.codecs.formats import EncoderSettings

    fast, _ = run(sample("example.jpg"), "image/format,webp")
    faster, _ = run(sample("example.jpg"), "image/format,webp", encoders=EncoderSettings(webp_method=0))
    assert fast.size == faster.size and fast.tobytes() != faster.tobytes()


def test_a_png_crop_decodes_only_its_box_and_is_pixel_exact(decoded, full_photo):
    png = encoded(full_photo.resize((1000, 750)), "PNG")
    image, _ = run(png, "image/crop,w_200,h_100,x_300,y_50")
    assert decoded == [(200, 100)]  # libvips reads rows down to the box's bottom, keeping only the box
    assert image.tobytes() == full_photo.resize((1000, 750)).crop((300, 50, 500, 150)).tobytes()


def test_only_top_down_formats_decode_partially():
    from ossimg.core.codecs.decode import probe

    assert probe(encoded(Image.new("RGB", (8, 8)), "PNG")).sequential
    interlaced = probe(encoded(Image.new("RGB", (8, 8)), "PNG"))
    interlaced.image.info["interlace"] = 1  # Pillow writes no Adam7 PNG; the reader sets this flag
    assert not interlaced.sequential
    for fmt in ("BMP", "TIFF", "GIF", "WEBP"):  # bottom-up, striped or tiled, or decoded at once
        assert not probe(encoded(Image.new("RGB", (8, 8)), fmt)).sequential, fmt


@pytest.mark.parametrize(
    "process", ["crop,w_2000,h_1500,x_500,y_700/resize,w_300", "indexcrop,y_1000,i_1/resize,w_200"]
)
def test_a_crop_then_resize_resamples_from_the_region_of_a_scaled_decode(decoded, full_photo, process):
    image, _ = run(PHOTO, f"image/{process}/format,png")
    first, second = parse(f"image/{process}").calls
    box = first.action.region(full_photo.size, first.args)
    reference = second.action.apply(full_photo.crop(box), second.args, (box[2] - box[0], box[3] - box[1]))
    assert image.size == reference.size
    assert decoded[0][0] < full_photo.width  # a DCT scale, never the full image
    assert mean_difference(image, reference) < 1.5


@pytest.mark.parametrize("orientation", range(1, 9))
def test_crop_then_resize_on_an_oriented_image_takes_the_upright_region(orientation, decoded):
    process = "image/crop,w_300,h_200,x_50,y_100/resize,w_150/format,png"
    upright, _ = run(
        encoded(Image.open(io.BytesIO(sample("exif-orientation/Landscape_1.jpg"))).convert("RGB")), process
    )
    image, _ = run(sample(f"exif-orientation/Landscape_{orientation}.jpg"), process)
    assert image.size == upright.size == (150, 100) and mean_difference(image, upright) < 4


@pytest.mark.parametrize("orientation", range(1, 9))
def test_stored_region_is_the_box_that_orientation_turns_into_the_upright_box(orientation):
    import random

    from ossimg.core.codecs.decode import oriented

    stored = Image.frombytes("L", (60, 40), random.Random(orientation).randbytes(2400))
    upright = oriented(stored, orientation)
    box = (7, 3, 19, 30) if upright.height >= 30 else (7, 3, 30, 19)
    expected = upright.crop(box)
    mapped = pipeline.stored_region(box, orientation, upright.size)
    assert oriented(stored.crop(mapped), orientation).tobytes() == expected.tobytes()
