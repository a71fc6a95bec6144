"""S3 sends only what the answer needs: a source is opened with a ranged GetObject of its first
64 KiB, and image/info and every refusal by the header are answered from those; pixels read the
rest (If-Match: never the rest of another object); a conditional request is a HeadObject.

The bytes are counted as S3's responses declare them (botocore's parsed ContentLength of each
GetObject; a HeadObject sends none), through the handler against moto."""

from __future__ import annotations

import io
import json
import struct

import pytest
from PIL import Image

from conftest import BUCKET, SAMPLES, render, sample, xml_error
from devtools.huge import png_header
from ossimg.service.serve import HEADER_BYTES

KIB = 1024


@pytest.fixture
def sent(s3):
    """The (operation, body bytes) of every S3 call the function makes during the test."""
    import app

    calls: list[tuple[str, int]] = []

    def record(http_response, parsed, model, **_):
        calls.append((model.name, parsed.get("ContentLength", 0) if model.name == "GetObject" else 0))

    app.S3.meta.events.register("after-call.s3", record)
    yield calls
    app.S3.meta.events.unregister("after-call.s3", record)


def body_bytes(calls) -> int:
    return sum(n for name, n in calls if name == "GetObject")


def put(s3, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
    s3.put_object(Bucket=BUCKET, Key=key, Body=data, ContentType=content_type)


@pytest.fixture(scope="module")
def big_jpeg() -> bytes:
    """A 12 MP photograph carrying f.jpg's EXIF, GPS included."""
    exif = Image.open(SAMPLES / "f.jpg").info["exif"]
    out = io.BytesIO()
    Image.open("bench/images/photo_4000x3000.jpg").save(out, "JPEG", quality=95, exif=exif)
    return out.getvalue()


def info_of(reply) -> dict:
    assert reply.status == 200, reply.body[:300]
    return json.loads(reply.body)


def test_info_on_a_big_jpeg_reads_its_first_64_kib_and_answers_as_a_full_read(s3, get, sent, big_jpeg):
    put(s3, "ranged/photo.jpg", big_jpeg, "image/jpeg")
    fields = info_of(get("/ranged/photo.jpg", "x-oss-process=image/info"))
    assert body_bytes(sent) <= HEADER_BYTES and [name for name, _ in sent] == ["GetObject"]
    assert fields == json.loads(render(big_jpeg, "image/info").body)  # every field, GPS and FileSize too
    assert fields["FileSize"]["value"] == str(len(big_jpeg)) and "GPSLatitude" in fields


def test_info_on_a_big_png_reads_its_header_only(s3, get, sent):
    data = open("bench/images/cutout_1920x1080.png", "rb").read()
    put(s3, "ranged/cutout.png", data, "image/png")
    fields = info_of(get("/ranged/cutout.png", "x-oss-process=image/info"))
    assert body_bytes(sent) <= HEADER_BYTES < len(data)
    assert fields == json.loads(render(data, "image/info").body)


@pytest.mark.parametrize(
    "key", ["example.jpg", "f.jpg", "example.png", "example.gif", "example.webp", "example.heic", "example.avif",
            "example.tiff", "example.bmp", "transparent.png"],
)  # fmt: skip
def test_every_formats_info_is_what_a_full_read_gives(objects, get, key):
    assert info_of(get(f"/{key}", "x-oss-process=image/info")) == json.loads(render(objects[key][0], "image/info").body)


def test_a_header_too_big_for_a_refusal_by_the_header_alone_costs_64_kib(s3, get, sent):
    data = png_header(20000, 15000, 900 * KIB)  # 300 MP: over MAX_SOURCE_PIXELS
    put(s3, "ranged/huge.png", data, "image/png")
    reply = get("/ranged/huge.png", "x-oss-process=image/resize,w_100")
    assert (reply.status, xml_error(reply)["Code"]) == (400, "ImageTooLarge")
    assert body_bytes(sent) <= HEADER_BYTES < len(data)


def test_a_resize_reads_the_whole_object_once_the_header_passes(s3, get, sent, big_jpeg):
    put(s3, "ranged/photo.jpg", big_jpeg, "image/jpeg")
    reply = get("/ranged/photo.jpg", "x-oss-process=image/resize,w_100")
    assert reply.status == 200 and reply.image.width == 100  # (turned upright by f.jpg's EXIF orientation)
    assert [name for name, _ in sent] == ["GetObject", "GetObject"]  # the first 64 KiB, then the rest
    assert body_bytes(sent) == len(big_jpeg)  # every byte once


def test_a_conditional_request_is_answered_from_a_head(s3, get, sent):
    first = get("/example.jpg", "x-oss-process=image/resize,w_100")
    sent.clear()
    again = get("/example.jpg", "x-oss-process=image/resize,w_100", {"If-None-Match": first.headers["ETag"]})
    assert again.status == 304 and again.headers["ETag"] == first.headers["ETag"] and not again.body
    assert sent == [("HeadObject", 0)]
    since = get(
        "/example.jpg", "x-oss-process=image/resize,w_100", {"If-Modified-Since": first.headers["Last-Modified"]}
    )
    assert since.status == 304
    sent.clear()
    stale = get("/example.jpg", "x-oss-process=image/resize,w_100", {"If-None-Match": '"another"'})
    assert stale.status == 200 and [name for name, _ in sent][0] == "HeadObject"


def test_originals_and_missing_objects_are_unchanged(s3, get, sent, objects):
    whole = get("/example.png")
    assert whole.status == 200 and whole.body == objects["example.png"][0]
    assert get("/no/such.jpg", "x-oss-process=image/info").status == 404
    assert get("/no/such.jpg", "", {"If-None-Match": '"x"'}).status == 404


def test_a_head_of_an_original_reads_no_more_than_the_first_range(s3, get, sent):
    data = open("bench/images/cutout_1920x1080.png", "rb").read()
    put(s3, "ranged/cutout.png", data, "image/png")
    head = get("/ranged/cutout.png", method="HEAD")
    assert head.status == 200 and not head.body and head.headers["Content-Length"] == str(len(data))
    assert head.headers["Content-Type"] == "image/png" and body_bytes(sent) <= HEADER_BYTES
    whole = get("/ranged/cutout.png")
    assert {k: v for k, v in whole.headers.items() if k != "x-oss-request-id"} == {
        k: v for k, v in head.headers.items() if k != "x-oss-request-id"
    }


def test_an_empty_object_is_read_without_a_range(s3, get):
    put(s3, "ranged/empty.jpg", b"", "image/jpeg")
    assert get("/ranged/empty.jpg").status == 200
    assert get("/ranged/empty.jpg", "x-oss-process=image/info").status == 400


def test_a_source_replaced_between_the_two_reads_is_read_again_never_mixed(s3, get, monkeypatch, big_jpeg):
    """If-Match on the rest: S3 refuses it for a replaced object, and the request starts over."""
    import ossimg.service.serve as serve

    put(s3, "ranged/swap.jpg", big_jpeg, "image/jpeg")
    replacement = sample("example.jpg")
    real = serve.preflight
    swapped = []

    def swap_after_the_header(*args, **kwargs):
        if not swapped:
            put(s3, "ranged/swap.jpg", replacement, "image/jpeg")
            swapped.append(True)
        return real(*args, **kwargs)

    monkeypatch.setattr(serve, "preflight", swap_after_the_header)
    reply = get("/ranged/swap.jpg", "x-oss-process=image/resize,w_100")
    assert reply.status == 200 and reply.image.size == (100, 67)  # the replacement's, 400 x 267
    assert reply.headers["ETag"] == get("/ranged/swap.jpg", "x-oss-process=image/resize,w_100").headers["ETag"]


def test_a_source_replaced_on_every_read_is_a_503_to_retry(monkeypatch, get):
    from ossimg.service import serve
    from ossimg.service.ports import SourceChanged

    def always_changed(*args, **kwargs):
        raise SourceChanged()

    monkeypatch.setattr(serve, "preflight", always_changed)
    reply = get("/example.jpg", "x-oss-process=image/resize,w_100")
    assert (reply.status, xml_error(reply)["Code"]) == (503, "ServiceUnavailable")


def test_the_memory_store_reads_as_s3_does():
    from ossimg.service.ports import SourceChanged
    from ossimg.stores.memory import MemorySource

    data = sample("example.jpg")
    store = MemorySource({"a.jpg": data})
    obj = store.open("a.jpg", first=1000)
    assert obj.first() == data[:1000] and store.sent == 1000 and obj.size == len(data)
    assert obj.read() == data and store.sent == len(data)
    changed = store.open("a.jpg", first=1000)
    changed.first()
    store.put("a.jpg", b"other", "image/jpeg")
    with pytest.raises(SourceChanged):
        changed.read()
    assert store.head("a.jpg").size == 5


@pytest.fixture(scope="module")
def heif_with_exif() -> dict[str, bytes]:
    """A 12 MP HEIC and AVIF made by libheif with f.jpg's EXIF (GPS) and an XMP packet: the HEIC's
    metadata lies after its pixels, at the end of the file."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    exif = Image.open(SAMPLES / "f.jpg").info["exif"]
    made = {}
    for name, fmt in (("photo.heic", "HEIF"), ("photo.avif", "AVIF")):
        out = io.BytesIO()
        Image.open("bench/images/photo_4000x3000.jpg").save(out, fmt, quality=50, exif=exif, xmp=b"<x:xmpmeta/>")
        made[name] = out.getvalue()
    return made


@pytest.mark.parametrize("name", ["photo.heic", "photo.avif"])
def test_info_on_a_heif_reads_its_header_and_its_metadata_items_only(s3, get, sent, heif_with_exif, name):
    from ossimg.core.codecs.isobmff import metadata_extents

    data = heif_with_exif[name]
    put(s3, f"ranged/{name}", data, "image/heic")
    fields = info_of(get(f"/ranged/{name}", "x-oss-process=image/info"))
    assert fields == json.loads(render(data, "image/info").body) and "GPSLatitude" in fields
    assert body_bytes(sent) <= 256 * KIB < len(data)
    if name == "photo.heic":  # libheif put the EXIF past the first 64 KiB: a second, small range
        assert max(offset for offset, _ in metadata_extents(data[:HEADER_BYTES])) > HEADER_BYTES
        assert [n for n, _ in sent] == ["GetObject", "GetObject"]


def test_a_heic_resize_reads_no_metadata_range_and_is_refused_by_its_header(s3, get, sent, heif_with_exif, monkeypatch):
    import app

    data = heif_with_exif["photo.heic"]
    put(s3, "ranged/photo.heic", data, "image/heic")
    reply = get("/ranged/photo.heic", "x-oss-process=image/resize,w_100")
    assert reply.status == 200 and [n for n, _ in sent] == ["GetObject", "GetObject"]  # the head, then the rest
    assert body_bytes(sent) == len(data)
    sent.clear()
    monkeypatch.setattr(
        app, "SETTINGS", app.SETTINGS._replace(limits=app.SETTINGS.limits._replace(max_source_side=3000))
    )
    refused = get("/ranged/photo.heic", "x-oss-process=image/resize,w_100")
    assert (refused.status, xml_error(refused)["EC"]) == (400, "0040-00000013")  # 4000 x 3000: a side over 3000
    assert body_bytes(sent) <= HEADER_BYTES


def test_the_item_locations_are_read_only_from_a_meta_box_before_the_pixels(objects):
    from ossimg.core.codecs.isobmff import metadata_extents

    heic = objects["example.heic"][0]
    assert metadata_extents(heic) == []  # no EXIF item in this one
    ftyp = int.from_bytes(heic[:4], "big")
    meta = int.from_bytes(heic[ftyp : ftyp + 4], "big")
    pixels_first = heic[:ftyp] + struct.pack(">I4s", 16, b"mdat") + bytes(8) + heic[ftyp : ftyp + meta]
    assert metadata_extents(pixels_first) is None  # the whole file is read instead
    assert metadata_extents(heic[: ftyp + meta // 2]) is None  # meta cut off


def test_info_on_a_big_heic_stays_within_what_the_budget_admits(tmp_path):
    """The header-only answer holds a file of the object's length (the first bytes, the metadata,
    zeros): measured in a child process, as Lambda would see it, for a 7 MB HEIC."""
    import numpy
    import pillow_heif

    from devtools.memory import measure
    from test_budget import LAMBDA, MEMORY_MB

    pillow_heif.register_heif_opener()
    noise = numpy.random.default_rng(1).integers(0, 255, (2000, 3000, 3), dtype=numpy.uint8)
    path = tmp_path / "noise.heic"
    Image.fromarray(noise).save(path, "HEIF", quality=80, exif=Image.open(SAMPLES / "f.jpg").info["exif"])
    assert path.stat().st_size > 5_000_000
    measured = measure(path, "image/info", LAMBDA)
    assert measured.status == 200 and measured.peak_mb < MEMORY_MB
    assert measured.estimate_mb >= measured.peak_mb  # the budget's figure covers it
