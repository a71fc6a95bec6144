"""info: OSS's JSON, golden against the documented outputs for the OSS demo images."""

import json

import pytest

from conftest import render, run, sample


def info(data: bytes) -> dict:
    rendered = render(data, "image/info")
    assert rendered.content_type == "application/json"
    return json.loads(rendered.body)


def test_example_jpg_matches_the_documented_output():
    """OSS's info page: example.jpg (no EXIF) answers its JFIF density as ResolutionUnit 1 and
    X/YResolution 1/1, field for field."""
    assert info(sample("example.jpg")) == {
        "FileSize": {"value": "21839"},
        "Format": {"value": "jpg"},
        "FrameCount": {"value": "1"},
        "ImageHeight": {"value": "267"},
        "ImageWidth": {"value": "400"},
        "ResolutionUnit": {"value": "1"},
        "XResolution": {"value": "1/1"},
        "YResolution": {"value": "1/1"},
    }


@pytest.mark.parametrize("dpi_unit, unit, expected", [(1, "2", ("72/1", "150/1")), (2, "3", ("28/1", "59/1"))])
def test_jfif_density_is_reported_in_exif_units(dpi_unit, unit, expected):
    """JFIF units 1 (inch) and 2 (cm) are EXIF ResolutionUnit 2 and 3."""
    density = (72, 150) if dpi_unit == 1 else (28, 59)
    data = _jpeg_with_jfif(dpi_unit, density)
    fields = info(data)
    assert fields["ResolutionUnit"] == {"value": unit}
    assert (fields["XResolution"]["value"], fields["YResolution"]["value"]) == expected


def test_exif_resolution_wins_over_jfif():
    from PIL import Image

    exif = Image.Exif()
    exif[0x0128], exif[0x011A], exif[0x011B] = 2, 300, 300  # inch, 300 dpi
    data = _jpeg_with_jfif(0, (1, 1), exif=exif.tobytes())
    fields = info(data)
    assert (fields["ResolutionUnit"], fields["XResolution"]) == ({"value": "2"}, {"value": "300/1"})


def test_a_jpeg_without_jfif_or_exif_has_no_resolution_fields():
    data = _jpeg_with_jfif(0, (1, 1))
    start = data.index(b"\xff\xe0")  # drop the APP0 segment
    length = int.from_bytes(data[start + 2 : start + 4], "big")
    bare = data[:start] + data[start + 2 + length :]
    fields = info(bare)
    assert "ResolutionUnit" not in fields and fields["ImageWidth"] == {"value": "8"}


def _jpeg_with_jfif(unit: int, density: tuple[int, int], exif: bytes = b"") -> bytes:
    """An 8x6 JPEG whose APP0 states `unit` and `density` (Pillow writes only dpi, so patch it)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 10, 10)).save(out, "JPEG", dpi=(1, 1), exif=exif)
    data = bytearray(out.getvalue())
    app0 = data.index(b"JFIF\0")
    data[app0 + 7] = unit
    data[app0 + 8 : app0 + 12] = density[0].to_bytes(2, "big") + density[1].to_bytes(2, "big")
    return bytes(data)


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
