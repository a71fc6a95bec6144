"""JPEG inside TIFF decoded as the one JPEG its strips make: bit-identical to Pillow's TIFF
reader, with a JPEG's DCT scaling and crop-row stop; every other TIFF left to Pillow."""

import io

import pytest
from PIL import Image, ImageChops, ImageStat

from conftest import render, run, sample
from ossimg.core.codecs import tiff_jpeg
from ossimg.core.codecs.decode import probe


def photo(size=(1203, 805)) -> Image.Image:
    return Image.open(io.BytesIO(sample("example.jpg"))).convert("RGB").resize(size, Image.Resampling.LANCZOS)


def tiff(image: Image.Image, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, "TIFF", **options)
    return out.getvalue()


@pytest.mark.parametrize("size", [(1203, 805), (64, 8), (17, 3)])
def test_the_joined_strips_decode_exactly_as_pillows_tiff_reader(size):
    data = tiff(photo(size), compression="jpeg", quality=90)
    assert tiff_jpeg.handles(probe(data))
    reference = Image.open(io.BytesIO(data)).convert("RGB")
    decoded = tiff_jpeg.decode(data).image
    assert decoded.size == size and ImageChops.difference(decoded.convert("RGB"), reference).getbbox() is None


def test_a_resize_decodes_at_a_dct_scale_and_a_crop_stops_at_its_last_row(monkeypatch):
    data = tiff(photo(), compression="jpeg", quality=90)
    reference = Image.open(io.BytesIO(data)).convert("RGB")
    from PIL import JpegImagePlugin

    drafts = []
    real = JpegImagePlugin.JpegImageFile.draft

    def recording(self, mode, size):
        drafts.append(size)
        return real(self, mode, size)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", recording)
    small, rendered = run(data, "image/resize,w_300/format,png")
    assert small.size == (300, 201) and rendered.content_type == "image/png" and drafts  # DCT-scaled
    # The same result as for those pixels stored as a JPEG: the TIFF now takes the JPEG path.
    as_jpeg = io.BytesIO()
    reference.save(as_jpeg, "JPEG", quality=100)
    jpeg_small, _ = run(as_jpeg.getvalue(), "image/resize,w_300/format,png")
    difference = ImageChops.difference(small.convert("RGB"), jpeg_small.convert("RGB"))
    assert sum(ImageStat.Stat(difference).mean) / 3 < 0.5
    cropped, _ = run(data, "image/crop,x_100,y_333,w_500,h_200/format,png")
    assert cropped.convert("RGB").tobytes() == reference.crop((100, 333, 600, 533)).tobytes()


@pytest.mark.parametrize(
    "options",
    [{"compression": "tiff_adobe_deflate"}, {"compression": "tiff_lzw"}, {"compression": "raw"},
     {"compression": "jpeg", "tiffinfo": {274: 6}}],
    ids=["deflate", "lzw", "uncompressed", "rotated JPEG"],
)  # fmt: skip
def test_other_tiffs_are_left_to_pillow(options):
    data = tiff(photo((120, 80)), **options)
    assert not tiff_jpeg.handles(probe(data))
    image, rendered = run(data, "image/resize,w_60")
    assert rendered.content_type == "image/tiff" and image.width in (60, 40)  # 40: the rotated one


def test_damaged_strips_are_an_image_or_a_400_never_a_crash():
    """libjpeg conceals a damaged scan as libtiff does; a stream that no longer parses is 400."""
    from ossimg.core.errors import OssError

    good = tiff(photo(), compression="jpeg", quality=90)
    for start in (len(good) // 2, 200):
        data = bytearray(good)
        data[start : start + 4000] = bytes(4000)
        try:
            assert render(bytes(data), "image/resize,w_100").content_type.startswith("image/")
        except OssError as err:
            assert err.status == 400
