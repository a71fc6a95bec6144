"""auto-orient and EXIF orientation: applied once, before the first action, unless auto-orient,0."""

import io

import pytest
from PIL import Image

from conftest import close_to, encoded, run, sample
from ossimg.core.budget.limits import Limits
from ossimg.core.errors import OssError


@pytest.mark.parametrize("shape", ["Landscape", "Portrait"])
@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_is_shown_upright(shape, orientation):
    upright = Image.open(io.BytesIO(sample(f"exif-orientation/{shape}_1.jpg"))).convert("RGB")
    image, _ = run(sample(f"exif-orientation/{shape}_{orientation}.jpg"), "image/resize,w_200/format,png")
    assert image.width == 200
    assert close_to(image.convert("RGB"), upright.resize(image.size, Image.Resampling.LANCZOS), 8.0)
    assert 0x0112 not in image.getexif()


@pytest.mark.parametrize("fmt", ["WEBP", "PNG", "TIFF", "AVIF"])
def test_orientation_is_applied_once_in_every_format_that_carries_it(fmt):
    stored = Image.open(io.BytesIO(sample("exif-orientation/Landscape_6.jpg")))
    data = encoded(stored, fmt, exif=stored.getexif().tobytes(), **({"quality": 95} if fmt == "AVIF" else {}))
    upright = Image.open(io.BytesIO(sample("exif-orientation/Landscape_1.jpg"))).convert("RGB")
    image, _ = run(data, "image/resize,w_300/format,png")
    assert image.size == (300, 200)
    assert close_to(image.convert("RGB"), upright.resize(image.size, Image.Resampling.LANCZOS), 8.0)


def test_f_jpg_is_oriented_before_the_first_action():
    image, _ = run(sample("f.jpg"), "image/resize,w_100")
    assert image.size == (100, 127)
    assert image.getexif().get(0x0112) is None  # no stale orientation tag


@pytest.mark.parametrize("process", ["resize,w_100/auto-orient,0", "auto-orient,0/resize,w_100"])
def test_auto_orient_0_keeps_the_stored_pixels(process):
    image, _ = run(sample("f.jpg"), "image/" + process)
    assert image.size == (100, 79)


def test_auto_orient_1_is_the_default():
    image, _ = run(sample("f.jpg"), "image/auto-orient,1/resize,w_100")
    assert image.size == (100, 127)
    image, _ = run(sample("f.jpg"), "image/auto-orient,1")
    assert image.size == (333, 424)


def test_orientation_counts_against_the_rotation_limit_unless_disabled():
    with pytest.raises(OssError):
        run(sample("f.jpg"), "image/resize,w_100", Limits(max_rotate_side=400))
    image, _ = run(sample("f.jpg"), "image/resize,w_100/auto-orient,0", Limits(max_rotate_side=400))
    assert image.size == (100, 79)
    run(sample("example.jpg"), "image/resize,w_100", Limits(max_rotate_side=100))  # no EXIF: nothing to rotate
