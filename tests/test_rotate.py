"""rotate: clockwise; right angles exact, other angles on a larger canvas."""

import pytest
from PIL import Image

from conftest import COORDS, H, W, encoded, origin_of, run, sample
from ossimg.core.actions.rotate import rotated_size
from ossimg.core.budget.limits import Limits
from ossimg.core.errors import OssError


@pytest.mark.parametrize(
    "degrees, corner_source",
    [(90, (0, H - 1)), (180, (W - 1, H - 1)), (270, (W - 1, 0)), (360, (0, 0)), (0, (0, 0))],
)
def test_right_angle_rotations_are_clockwise_and_exact(degrees, corner_source):
    image, _ = run(COORDS, f"image/rotate,{degrees}")
    assert image.size == ((H, W) if degrees in (90, 270) else (W, H))
    assert origin_of(image) == corner_source  # what lands top-left after a clockwise turn


def test_rotate_90_on_the_demo_image():
    image, rendered = run(sample("example.jpg"), "image/rotate,90")
    assert image.size == (267, 400) and rendered.content_type == "image/jpeg"


@pytest.mark.parametrize("degrees", [1, 30, 45, 89, 135, 200, 359])
def test_other_angles_enlarge_the_canvas_as_planned(degrees):
    image, _ = run(COORDS, f"image/rotate,{degrees}")
    assert image.size == rotated_size((W, H), degrees)
    assert image.width >= W or image.height >= H


def test_new_corners_are_white_for_jpeg_and_transparent_with_alpha():
    jpeg, _ = run(sample("example.jpg"), "image/rotate,45")
    assert min(jpeg.convert("RGB").getpixel((0, 0))) > 230
    rgba = encoded(Image.new("RGBA", (100, 60), (255, 0, 0, 255)))
    png, _ = run(rgba, "image/rotate,45")
    assert png.mode == "RGBA" and png.getpixel((0, 0))[3] == 0
    assert png.getpixel((png.width // 2, png.height // 2)) == (255, 0, 0, 255)


def test_rotation_limit_is_checked_before_decoding():
    with pytest.raises(OssError) as caught:
        run(sample("example.jpg"), "image/rotate,90", Limits(max_rotate_side=399))
    assert caught.value.message.startswith("Picture exceed the maximum allowable rotation range")
    assert caught.value.ec == "0040-00000006"  # OSS's page: the longer side is over the rotation limit
    run(sample("example.jpg"), "image/rotate,0", Limits(max_rotate_side=399))  # no rotation: no limit
    run(sample("example.jpg"), "image/resize,w_100/rotate,90", Limits(max_rotate_side=399))  # rotates 100x67
