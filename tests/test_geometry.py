"""crop, rotate and EXIF orientation, checked pixel by pixel on a lossless coordinate image."""

import io

import pytest
from PIL import Image, ImageChops, ImageStat

from conftest import encoded, run, sample
from ossimg.core.actions.rotate import rotated_size
from ossimg.core.errors import OssError
from ossimg.core.limits import Limits

W, H = 240, 180


def coordinates() -> Image.Image:
    """Pixel (x, y) is (x, y, 77): where a pixel came from can be read off its colour."""
    image = Image.new("RGB", (W, H))
    image.putdata([(x, y, 77) for y in range(H) for x in range(W)])
    return image


COORDS = encoded(coordinates())


def origin_of(image: Image.Image) -> tuple[int, int]:
    r, g, _ = image.convert("RGB").getpixel((0, 0))
    return r, g


@pytest.mark.parametrize(
    "g, origin",
    [
        ("nw", (0, 0)),
        ("north", (70, 0)),
        ("ne", (140, 0)),
        ("west", (0, 40)),
        ("center", (70, 40)),
        ("east", (140, 40)),
        ("sw", (0, 80)),
        ("south", (70, 80)),
        ("se", (140, 80)),
    ],
)
def test_crop_nine_grid_origins(g, origin):
    image, _ = run(COORDS, f"image/crop,w_100,h_100,g_{g}")
    assert image.size == (100, 100) and image.format == "PNG"
    assert origin_of(image) == origin


def test_crop_offsets_add_to_the_grid_origin_and_clip_at_the_edge():  # G5 on a known grid
    image, _ = run(COORDS, "image/crop,x_10,y_10,w_100,h_100,g_se")
    assert origin_of(image) == (150, 90)
    assert image.size == (90, 90)


@pytest.mark.parametrize(
    "process, size, origin",
    [
        ("crop,w_100,h_100,x_100,y_100,r_1", (100, 100), (100, 100)),  # G1, unknown r_1 ignored
        ("crop,x_100,y_50", (300, 217), (100, 50)),  # G2
        ("crop,x_100,y_50,w_100,h_100", (100, 100), (100, 50)),  # G3
        ("crop,w_200,h_200,g_se", (200, 200), (200, 67)),  # G4
        ("crop,x_10,y_10,w_200,h_200,g_se", (190, 190), (210, 77)),  # G5
        ("crop,w_0,h_0,x_399,y_266", (1, 1), (399, 266)),  # w_0/h_0: to the edge
        ("crop,w_1000,h_1000,g_center", (400, 267), (0, 0)),  # larger than the image: clipped
    ],
)
def test_crop_worked_examples_on_the_demo_image(process, size, origin):
    image, _ = run(sample("example.jpg"), "image/" + process + "/format,png")
    assert image.size == size
    assert _close(image.convert("RGB"), _demo().crop((*origin, origin[0] + size[0], origin[1] + size[1])))


@pytest.mark.parametrize("process", ["crop,x_400,y_0", "crop,x_0,y_267", "crop,x_1000,y_1000,w_10,h_10"])
def test_crop_starting_outside_the_image_is_refused(process):  # G6
    with pytest.raises(OssError) as caught:
        run(sample("example.jpg"), "image/" + process)
    assert caught.value.status == 400
    assert caught.value.message == "Advance cut's position is out of image."


@pytest.mark.parametrize(
    "degrees, corner_source",
    [(90, (0, H - 1)), (180, (W - 1, H - 1)), (270, (W - 1, 0)), (360, (0, 0)), (0, (0, 0))],
)
def test_right_angle_rotations_are_clockwise_and_exact(degrees, corner_source):
    image, _ = run(COORDS, f"image/rotate,{degrees}")
    assert image.size == ((H, W) if degrees in (90, 270) else (W, H))
    assert origin_of(image) == corner_source  # what lands top-left after a clockwise turn


def test_rotate_90_on_the_demo_image():  # G7
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
    run(sample("example.jpg"), "image/rotate,0", Limits(max_rotate_side=399))  # no rotation: no limit
    run(sample("example.jpg"), "image/resize,w_100/rotate,90", Limits(max_rotate_side=399))  # rotates 100x67


# EXIF orientation ------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["Landscape", "Portrait"])
@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_is_shown_upright(shape, orientation):
    upright = Image.open(io.BytesIO(sample(f"exif-orientation/{shape}_1.jpg"))).convert("RGB")
    image, _ = run(sample(f"exif-orientation/{shape}_{orientation}.jpg"), "image/resize,w_200/format,png")
    assert image.width == 200
    assert _close(image.convert("RGB"), upright.resize(image.size, Image.Resampling.LANCZOS), 8.0)
    assert 0x0112 not in image.getexif()


@pytest.mark.parametrize("fmt", ["WEBP", "PNG", "TIFF", "AVIF"])
def test_orientation_is_applied_once_in_every_format_that_carries_it(fmt):
    stored = Image.open(io.BytesIO(sample("exif-orientation/Landscape_6.jpg")))
    data = encoded(stored, fmt, exif=stored.getexif().tobytes(), **({"quality": 95} if fmt == "AVIF" else {}))
    upright = Image.open(io.BytesIO(sample("exif-orientation/Landscape_1.jpg"))).convert("RGB")
    image, _ = run(data, "image/resize,w_300/format,png")
    assert image.size == (300, 200)
    assert _close(image.convert("RGB"), upright.resize(image.size, Image.Resampling.LANCZOS), 8.0)


def test_f_jpg_is_oriented_before_the_first_action():  # §10.7
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


def _demo() -> Image.Image:
    return Image.open(io.BytesIO(sample("example.jpg"))).convert("RGB")


def _close(a: Image.Image, b: Image.Image, tolerance: float = 1.0) -> bool:
    return a.size == b.size and sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3 < tolerance
