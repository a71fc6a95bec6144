"""`POST /<key>?x-oss-process` with `...|sys/saveas,o_,b_`: signed, enabled, written where allowed,
answered with OSS's JSON; everything else refused with nothing written."""

import base64
import io
import json

import pytest
from PIL import Image

from conftest import OSS_KEY_ID, OSS_SECRET, oss_signed, sample, xml_error
from ossimg.config import Settings
from ossimg.service.access.signing import KeyRing
from ossimg.service.handle import Backends, handle
from ossimg.service.request import ImageRequest
from ossimg.service.saveas import parse_body
from ossimg.service.styles.store import StyleStore
from ossimg.stores.memory import MemorySource

BUCKET = "photos"
SETTINGS = Settings(bucket="s3-photos", oss_bucket=BUCKET, saveas=True)


def b64(text: str, padded: bool = False) -> str:
    encoded = base64.urlsafe_b64encode(text.encode()).decode()
    return encoded if padded else encoded.rstrip("=")


@pytest.fixture
def stores():
    source = MemorySource({"a.jpg": sample("example.jpg"), "_styles/small": b"image/resize,w_30"})
    archive = MemorySource({})
    return source, archive


def post(stores, body: str, settings=SETTINGS, signed=True, key="a.jpg"):
    source, archive = stores
    backends = Backends(
        source,
        StyleStore(source, "_styles/", 60),
        oss_keys=KeyRing([f"{OSS_KEY_ID}:{OSS_SECRET}"]),
        targets={BUCKET: source, "archive": archive},
    )
    params = {"x-oss-process": ""}
    if signed:
        req = oss_signed("POST", BUCKET, key, params, body.encode())
    else:
        req = ImageRequest("POST", key, None, {}, "r", tuple(params.items()), body.encode())
    return handle(req, settings, backends)


def test_a_signed_post_writes_the_result_and_answers_oss_json(stores):
    reply = post(stores, f"x-oss-process=image/resize,w_100|sys/saveas,o_{b64('thumbs/a.jpg')}")
    assert reply.status == 200 and reply.headers["Content-Type"] == "application/json"
    written = stores[0].objects["thumbs/a.jpg"]
    assert json.loads(reply.body) == {
        "bucket": BUCKET,
        "fileSize": len(written),
        "object": "thumbs/a.jpg",
        "status": "OK",
    }
    image = Image.open(io.BytesIO(written))
    assert image.format == "JPEG" and image.size == (100, 67)
    assert stores[0].content_types["thumbs/a.jpg"] == "image/jpeg"


def test_padded_base64_a_style_and_another_format(stores):
    body = f"x-oss-process=style/small|sys/saveas,o_{b64('s.png', padded=True)},b_{b64(BUCKET, padded=True)}"
    assert post(stores, body).status == 200
    body = f"x-oss-process=image/resize,w_40/format,png|sys/saveas,o_{b64('s.png')}"
    assert post(stores, body).status == 200
    image = Image.open(io.BytesIO(stores[0].objects["s.png"]))
    assert image.format == "PNG" and image.width == 40
    assert stores[0].content_types["s.png"] == "image/png"


def test_a_form_encoded_body_is_read_too(stores):
    body = "x-oss-process=image%2Fresize%2Cw_20%7Csys%2Fsaveas%2Co_" + b64("t.jpg")
    assert post(stores, body).status == 200 and Image.open(io.BytesIO(stores[0].objects["t.jpg"])).width == 20


def test_another_bucket_only_when_mapped(stores):
    reply = post(stores, f"x-oss-process=image/resize,w_50|sys/saveas,o_{b64('x.jpg')},b_{b64('archive')}")
    assert reply.status == 200 and json.loads(reply.body)["bucket"] == "archive"
    assert Image.open(io.BytesIO(stores[1].objects["x.jpg"])).width == 50
    refused = post(stores, f"x-oss-process=image/resize,w_50|sys/saveas,o_{b64('x.jpg')},b_{b64('elsewhere')}")
    assert refused.status == 403 and xml_error(refused)["Code"] == "AccessDenied"


@pytest.mark.parametrize(
    "settings, signed",
    [
        (SETTINGS, False),  # anonymous
        (SETTINGS._replace(saveas=False), True),  # writing not enabled by the operator
    ],
)
def test_nothing_is_written_without_a_signature_or_the_setting(stores, settings, signed):
    before = dict(stores[0].objects)
    reply = post(stores, f"x-oss-process=image/resize,w_100|sys/saveas,o_{b64('b.jpg')}", settings, signed)
    assert reply.status == 403 and xml_error(reply)["Code"] == "AccessDenied"
    assert stores[0].objects == before


def test_targets_keep_to_the_allowed_prefixes_and_never_touch_styles(stores):
    limited = SETTINGS._replace(allowed_prefixes=("public/",))
    assert post(stores, f"x-oss-process=image/resize,w_10|sys/saveas,o_{b64('x.jpg')}", limited).status == 403
    overwrite_style = f"x-oss-process=image/resize,w_10|sys/saveas,o_{b64('_styles/small')}"
    assert post(stores, overwrite_style).status == 403
    assert stores[0].objects["_styles/small"] == b"image/resize,w_30"


@pytest.mark.parametrize(
    "body, code",
    [
        (f"x-oss-process=image/resize,w_10|saveas,o_{b64('x.jpg')}", "InvalidArgument"),  # sys/ is required
        ("x-oss-process=image/resize,w_10|sys/saveas,b_" + b64(BUCKET), "InvalidArgument"),  # no o_
        ("x-oss-process=image/resize,w_10|sys/saveas,o_!!!", "InvalidArgument"),  # not base64
        (f"x-oss-process=image/resize,w_10|sys/saveas,o_{b64('/x.jpg')}", "InvalidObjectName"),
        (f"x-oss-process=image/resize,w_10|sys/saveas,o_{b64('x' * 1024)}", "InvalidObjectName"),
        (f"x-oss-process=image/resize,w_10|sys/saveas,o_{b64('x.jpg')},b_{b64('Bad_Bucket')}", "InvalidBucketName"),
        (f"x-oss-process=image/resize,w_10|sys/saveas,o_{b64('x.jpg')},z_1", "InvalidArgument"),
        (f"x-oss-process=image/resize,w_10|sys/saveas,o_{b64('x.jpg')}|sys/saveas,o_eA", "InvalidArgument"),
        (f"image/resize,w_10|sys/saveas,o_{b64('x.jpg')}", "InvalidArgument"),  # not a form field
        ("x-oss-process=image/resize,w_10", "InvalidArgument"),  # nothing to save as
    ],
)
def test_bad_bodies_are_400_with_oss_codes(stores, body, code):
    before = dict(stores[0].objects)
    reply = post(stores, body)
    assert reply.status == 400 and xml_error(reply)["Code"] == code
    assert stores[0].objects == before


def test_a_bad_process_is_its_own_oss_error_and_writes_nothing(stores):
    before = dict(stores[0].objects)
    reply = post(stores, f"x-oss-process=image/resize,w_0|sys/saveas,o_{b64('x.jpg')}")
    assert reply.status == 400 and xml_error(reply)["EC"] == "0040-00000312"
    assert stores[0].objects == before


def test_saveas_on_a_get_is_400():
    source = MemorySource({"a.jpg": sample("example.jpg")})
    process = f"image/resize,w_10|sys/saveas,o_{b64('x.jpg')}"
    req = ImageRequest("GET", "a.jpg", process, {}, "r", (("x-oss-process", process),))
    reply = handle(req, SETTINGS, Backends(source, StyleStore(source, "_styles/", 60)))
    assert reply.status == 400 and "POST" in xml_error(reply)["Message"]
    assert list(source.objects) == ["a.jpg"]


def test_parse_body_reads_names_in_any_script():
    process, name, bucket = parse_body(f"x-oss-process=image/resize,w_1|sys/saveas,o_{b64('缩略图/一.jpg')}".encode())
    assert (process, name, bucket) == ("image/resize,w_1", "缩略图/一.jpg", None)
