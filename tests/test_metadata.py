"""Outputs carry no EXIF and no XMP (so no stale orientation, no GPS position, no camera serial),
in every output format, and keep the source's ICC profile where the format can hold one.

Each output is decoded: its size and pixels say it is upright; its bytes and its decoded
metadata say nothing of the source's EXIF or XMP survived.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops, ImageCms, ImageStat

from conftest import encoded, run, sample

OUTPUTS = ("jpg", "png", "webp", "bmp", "tiff", "heic", "avif")
WITH_ICC = ("jpg", "png", "webp", "tiff", "heic", "avif")
CAMERA = "LeakyCam-7f3a"  # a string that must not reach any output
XMP_MARK = "leaky-xmp-51c2"
XMP = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    f'<rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="6" tiff:Make="{XMP_MARK}"/>'
    "</rdf:RDF></x:xmpmeta>"
).encode()
ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


@pytest.fixture(scope="module", autouse=True)
def heif():
    import pillow_heif

    pillow_heif.register_heif_opener()


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = CAMERA  # Make
    exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)})
    return exif


def gps_source(fmt: str) -> bytes:
    """A 96x64 picture with EXIF (GPS, camera), XMP and an sRGB profile, in `fmt`."""
    image = Image.open(io.BytesIO(sample("example.jpg"))).convert("RGB").resize((96, 64))
    exif = exif_with_gps().tobytes()
    if fmt == "PNG":
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        info.add_itxt("XML:com.adobe.xmp", XMP.decode())
        return encoded(image, "PNG", exif=exif, icc_profile=ICC, pnginfo=info)
    if fmt == "TIFF":
        return encoded(image, "TIFF", exif=exif, icc_profile=ICC)
    return encoded(image, fmt, exif=exif, xmp=XMP, icc_profile=ICC)


def leaks(body: bytes) -> list[str]:
    """What of the source's metadata is still in the file, read from the bytes and decoded."""
    found = [name for name, mark in (("EXIF", CAMERA), ("XMP", XMP_MARK)) if mark.encode() in body]
    image = Image.open(io.BytesIO(body))
    if image.info.get("exif"):
        found.append("info['exif']")
    if image.info.get("xmp") or image.info.get("XML:com.adobe.xmp"):
        found.append("info['xmp']")
    tags = image.getexif()  # a TIFF's own tags are its IFD0: sizes and layout, never these
    found += [f"tag {tag:#x}" for tag in (0x010F, 0x0112, 0x8769, 0x8825) if tag in tags]
    return found


def _mean_diff(a: Image.Image, b: Image.Image) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB"))).mean) / 3


@pytest.fixture(scope="module")
def upright():
    """Landscape_1 (stored upright) through the same request, one per output format."""
    return {
        fmt: run(sample("exif-orientation/Landscape_1.jpg"), f"image/resize,w_200/format,{fmt}")[0] for fmt in OUTPUTS
    }


@pytest.mark.parametrize("fmt", OUTPUTS)
@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_orientation_decodes_upright_in_every_format(orientation, fmt, upright):
    rendered = run(sample(f"exif-orientation/Landscape_{orientation}.jpg"), f"image/resize,w_200/format,{fmt}")[1]
    image = Image.open(io.BytesIO(rendered.body))
    assert image.size == (200, 133)
    assert _mean_diff(image, upright[fmt]) < 6, "the output is turned or mirrored"
    assert leaks(rendered.body) == []


@pytest.mark.parametrize("source", ["JPEG", "PNG", "WEBP", "TIFF", "HEIF", "AVIF"])
@pytest.mark.parametrize("fmt", OUTPUTS)
@pytest.mark.parametrize("action", ["resize,w_48", "rotate,90", "crop,w_40,h_30,g_center", "format,{fmt}"])
def test_no_exif_xmp_or_gps_survives_and_icc_is_kept_where_it_can(source, fmt, action):
    data = gps_source(source)
    rendered = run(data, f"image/{action.format(fmt=fmt)}/format,{fmt}")[1]
    assert leaks(rendered.body) == []
    image = Image.open(io.BytesIO(rendered.body))
    assert image.info.get("icc_profile") == (ICC if fmt in WITH_ICC else None)


def test_the_gps_sources_do_carry_what_the_outputs_must_not():
    """The test above would pass vacuously if the sources had no metadata to leak."""
    for source in ("JPEG", "PNG", "WEBP", "TIFF", "HEIF", "AVIF"):
        assert leaks(gps_source(source)), source


def test_a_gif_keeps_no_comment_or_xmp():
    frame = Image.open(io.BytesIO(sample("example.jpg"))).convert("P").resize((64, 43))
    data = encoded(frame, "GIF", comment=CAMERA.encode())
    assert CAMERA.encode() in data
    body = run(data, "image/resize,w_32")[1].body
    assert CAMERA.encode() not in body and "comment" not in Image.open(io.BytesIO(body)).info


def test_an_animation_keeps_no_source_metadata():
    frames = [Image.new("RGB", (40, 30), colour) for colour in ("red", "blue")]
    data = encoded(frames[0], "WEBP", save_all=True, append_images=frames[1:], exif=exif_with_gps().tobytes(), xmp=XMP)
    assert CAMERA.encode() in data
    body = run(data, "image/resize,w_20")[1].body
    assert leaks(body) == [] and Image.open(io.BytesIO(body)).n_frames == 2
