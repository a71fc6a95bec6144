"""info: OSS's JSON, golden against the documented outputs for the OSS demo images."""

import json

import pytest

from conftest import render, run, sample


def info(data: bytes) -> dict:
    rendered = render(data, "image/info")
    assert rendered.content_type == "application/json"
    return json.loads(rendered.body)


def test_example_jpg_matches_the_documented_output():  # (+ FrameCount, as the current service adds)
    assert info(sample("example.jpg")) == {
        "FileSize": {"value": "21839"},
        "Format": {"value": "jpg"},
        "FrameCount": {"value": "1"},
        "ImageHeight": {"value": "267"},
        "ImageWidth": {"value": "400"},
    }


def test_f_jpg_exif_matches_the_documented_output():  # "0deg " with its trailing space
    assert info(sample("f.jpg")) == {
        "Compression": {"value": "6"},
        "DateTime": {"value": "2015:02:11 15:38:27"},
        "ExifTag": {"value": "2212"},
        "FileSize": {"value": "23471"},
        "Format": {"value": "jpg"},
        "FrameCount": {"value": "1"},
        "GPSLatitude": {"value": "0deg "},
        "GPSLatitudeRef": {"value": "North"},
        "GPSLongitude": {"value": "0deg "},
        "GPSLongitudeRef": {"value": "East"},
        "GPSMapDatum": {"value": "WGS-84"},
        "GPSTag": {"value": "4292"},
        "GPSVersionID": {"value": "2 2 0 0"},
        "ImageHeight": {"value": "333"},
        "ImageWidth": {"value": "424"},
        "JPEGInterchangeFormat": {"value": "4518"},
        "JPEGInterchangeFormatLength": {"value": "3232"},
        "Orientation": {"value": "7"},
        "ResolutionUnit": {"value": "2"},
        "Software": {"value": "Microsoft Windows Photo Viewer 6.1.7600.16385"},
        "XResolution": {"value": "96/1"},
        "YResolution": {"value": "96/1"},
    }


def test_keys_are_sorted_and_every_value_is_a_string():
    body = render(sample("f.jpg"), "image/info").body
    data = json.loads(body)
    assert list(data) == sorted(data)
    assert all(set(v) == {"value"} and isinstance(v["value"], str) for v in data.values())


def test_animated_gif_reports_its_frames():
    assert info(sample("example.gif"))["FrameCount"] == {"value": "3"}
    assert info(sample("example.gif"))["Format"] == {"value": "gif"}


@pytest.mark.parametrize(
    "key, fmt",
    [
        ("example.png", "png"),
        ("example.webp", "webp"),
        ("example.bmp", "bmp"),
        ("example.tiff", "tiff"),
        ("example.heic", "heic"),
        ("example.avif", "avif"),
    ],
)
def test_every_input_format(objects, key, fmt):
    data = objects[key][0]
    fields = info(data)
    assert fields["Format"] == {"value": fmt}
    assert (fields["ImageWidth"], fields["ImageHeight"]) == ({"value": "400"}, {"value": "267"})
    assert fields["FileSize"] == {"value": str(len(data))}


def test_info_reports_the_stored_grid_without_orientation():
    fields = info(sample("exif-orientation/Portrait_6.jpg"))
    assert fields["Orientation"] == {"value": "6"}
    stored = run(sample("exif-orientation/Portrait_6.jpg"), "image/auto-orient,0")[0].size
    assert (int(fields["ImageWidth"]["value"]), int(fields["ImageHeight"]["value"])) == stored
