"""average-hue: the dominant colour as OSS's JSON."""

import json

import pytest
from PIL import Image

from conftest import DEMO, render
from ossimg.core.errors import OssError
from ossimg.core.grammar import parse


def test_average_hue_of_the_demo_image():  # {"RGB": "0x5c783b"} within OSS's unpublished threshold
    rendered = run_json(DEMO, "image/average-hue")
    value = json.loads(rendered.body)["RGB"]
    assert value.startswith("0x") and len(value) == 8 and value == value.lower()
    rgb = bytes.fromhex(value[2:])
    assert all(abs(a - b) <= 3 for a, b in zip(rgb, (0x5C, 0x78, 0x3B)))


def test_average_hue_of_a_flat_colour_is_that_colour():
    flat = __import__("conftest").encoded(Image.new("RGB", (50, 50), (200, 30, 40)))
    assert json.loads(run_json(flat, "image/average-hue").body) == {"RGB": "0xc81e28"}


def test_average_hue_stands_alone():
    with pytest.raises(OssError):
        parse("image/resize,w_10/average-hue")


def run_json(data: bytes, process: str):
    rendered = render(data, process)
    assert rendered.content_type == "application/json"
    return rendered
