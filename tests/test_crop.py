"""crop: a region from a nine-grid origin plus offsets, clipped at the edges."""

import pytest

from conftest import COORDS, close_to, demo_rgb, origin_of, run, sample
from ossimg.core.errors import OssError


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


def test_crop_offsets_add_to_the_grid_origin_and_clip_at_the_edge():  # on a known grid
    image, _ = run(COORDS, "image/crop,x_10,y_10,w_100,h_100,g_se")
    assert origin_of(image) == (150, 90)
    assert image.size == (90, 90)


@pytest.mark.parametrize(
    "process, size, origin",
    [
        ("crop,w_100,h_100,x_100,y_100,r_1", (100, 100), (100, 100)),  # unknown r_1 ignored
        ("crop,x_100,y_50", (300, 217), (100, 50)),
        ("crop,x_100,y_50,w_100,h_100", (100, 100), (100, 50)),
        ("crop,w_200,h_200,g_se", (200, 200), (200, 67)),
        ("crop,x_10,y_10,w_200,h_200,g_se", (190, 190), (210, 77)),
        ("crop,w_0,h_0,x_399,y_266", (1, 1), (399, 266)),  # w_0/h_0: to the edge
        ("crop,w_1000,h_1000,g_center", (400, 267), (0, 0)),  # larger than the image: clipped
    ],
)
def test_crop_worked_examples_on_the_demo_image(process, size, origin):
    image, _ = run(sample("example.jpg"), "image/" + process + "/format,png")
    assert image.size == size
    assert close_to(image.convert("RGB"), demo_rgb().crop((*origin, origin[0] + size[0], origin[1] + size[1])))


@pytest.mark.parametrize("process", ["crop,x_400,y_0", "crop,x_0,y_267", "crop,x_1000,y_1000,w_10,h_10"])
def test_crop_starting_outside_the_image_is_refused(process):
    with pytest.raises(OssError) as caught:
        run(sample("example.jpg"), "image/" + process)
    assert caught.value.status == 400
    assert caught.value.message == "Advance cut's position is out of image."
