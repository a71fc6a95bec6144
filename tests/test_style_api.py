"""The style API on `/?style`: PutStyle, GetStyle, ListStyle, DeleteStyle with OSS's bodies, limits
and codes, over the same objects `style/<n>` reads."""

import re
from datetime import UTC, datetime

import pytest

from conftest import OSS_KEY_ID, OSS_SECRET, oss_signed, sample, xml_error, xml_fields
from ossimg.config import Settings
from ossimg.service.access.signing import KeyRing
from ossimg.service.handle import Backends, handle
from ossimg.service.request import ImageRequest
from ossimg.service.styles.store import MAX_STYLES, StyleStore
from ossimg.stores.memory import MemorySource

BUCKET = "photos"
SETTINGS = Settings(bucket=BUCKET, style_api=True)


@pytest.fixture
def source():
    return MemorySource({"a.jpg": sample("example.jpg")})


def call(source, method, name=None, content=None, settings=SETTINGS, body=None, signed=True):
    backends = Backends(source, StyleStore(source, "_styles/", 0), oss_keys=KeyRing([f"{OSS_KEY_ID}:{OSS_SECRET}"]))
    params = {"style": ""} if name is None else {"style": "", "styleName": name}
    if body is None and content is not None:
        body = f"<Style><Content>{content}</Content></Style>".encode()
    if signed:
        req = oss_signed(method, BUCKET, "", params, body)
    else:
        req = ImageRequest(method, "", None, {}, "r", tuple(params.items()), body or b"")
    return handle(req, settings, backends)


def test_put_get_list_delete_round_trip(source):
    assert call(source, "PUT", "thumb", "image/resize,w_100").status == 200
    assert source.objects["_styles/thumb"] == b"image/resize,w_100"  # where `make style` writes
    got = call(source, "GET", "thumb")
    assert got.status == 200 and got.headers["Content-Type"] == "application/xml"
    style = xml_fields(got.body)
    assert (style["Name"], style["Content"], style["Category"]) == ("thumb", "image/resize,w_100", "image")
    created = datetime.strptime(style["CreateTime"], "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=UTC)
    assert abs((created - datetime.now(UTC)).total_seconds()) < 120
    assert re.search(r"<Style><Name>thumb</Name><Content>[^<]+</Content><Category>", got.body.decode())  # OSS's order
    call(source, "PUT", "web", "image/format,webp")
    listed = call(source, "GET").body.decode()
    assert listed.count("<Style>") == 2 and "<StyleList>" in listed
    assert call(source, "DELETE", "thumb").status == 204
    assert "_styles/thumb" not in source.objects
    assert call(source, "DELETE", "thumb").status == 204  # deleting again succeeds, as on OSS
    missing = call(source, "GET", "thumb")
    assert missing.status == 404 and xml_error(missing)["Code"] == "NoSuchStyle"


def test_a_stored_style_serves_and_keeps_its_creation_time(source):
    call(source, "PUT", "small", "image/resize,w_30")
    first = xml_fields(call(source, "GET", "small").body)["CreateTime"]
    source.metadata["_styles/small"]["created"] = "Wed, 20 May 2020 12:07:15 GMT"  # as if made long ago
    call(source, "PUT", "small", "image/resize,w_31")
    again = xml_fields(call(source, "GET", "small").body)
    assert again["CreateTime"] == "Wed, 20 May 2020 12:07:15 GMT" and again["Content"] == "image/resize,w_31"
    assert first
    req = ImageRequest("GET", "a.jpg", "style/small", {}, "r", (("x-oss-process", "style/small"),))
    served = handle(req, SETTINGS, Backends(source, StyleStore(source, "_styles/", 0)))
    assert served.status == 200 and served.headers["Content-Type"] == "image/jpeg"


@pytest.mark.parametrize(
    "name, content, status, ec",
    [
        ("x" * 64, "image/resize,w_1", 400, "0017-00000250"),  # name too long
        ("bad;name", "image/resize,w_1", 400, "0017-00000251"),  # outside A-Z a-z 0-9 _ - .
        ("ok", "image/resize,w_1;drop", 400, "0017-00000253"),  # content with a forbidden character
        ("ok", "image/" + "resize,w_1/" * 400, 400, "0017-00000253"),  # content over 4096 bytes
    ],
)
def test_put_enforces_oss_rules(source, name, content, status, ec):
    reply = call(source, "PUT", name, content)
    assert reply.status == status and xml_error(reply)["EC"] == ec
    assert not source.keys("_styles/")


def test_malformed_bodies_and_entities_are_refused(source):
    for body in (b"<Style><Content>x", b"<Other><Content>image/resize,w_1</Content></Other>", b""):
        assert xml_error(call(source, "PUT", "s", body=body))["Code"] == "MalformedXML"
    bomb = b'<!DOCTYPE s [<!ENTITY a "aaaa">]><Style><Content>&a;</Content></Style>'
    assert xml_error(call(source, "PUT", "s", body=bomb))["Code"] == "MalformedXML"


def test_at_most_50_styles(source):
    for i in range(MAX_STYLES):
        source.objects[f"_styles/s{i}"] = b"image/resize,w_1"
    refused = call(source, "PUT", "one-more", "image/resize,w_2")
    assert refused.status == 400 and xml_error(refused)["Code"] == "TooManyStyles"
    assert call(source, "PUT", "s0", "image/resize,w_3").status == 200  # replacing one is fine


def test_writes_need_the_setting_and_everything_needs_an_oss_signature(source):
    read_only = SETTINGS._replace(style_api=False)
    assert call(source, "PUT", "t", "image/resize,w_1", read_only).status == 403
    assert call(source, "DELETE", "t", settings=read_only).status == 403
    assert call(source, "GET", settings=read_only).status == 200  # listing is a read
    for method in ("GET", "PUT", "DELETE"):
        reply = call(source, method, "t", "image/resize,w_1", signed=False)
        assert reply.status == 403 and xml_error(reply)["Code"] == "AccessDenied"
    assert not source.keys("_styles/")


def test_bucket_requests_that_are_not_the_style_api():
    source = MemorySource({})
    backends = Backends(source, StyleStore(source, "_styles/", 0))
    assert handle(ImageRequest("GET", "", None), SETTINGS, backends).status == 400  # no object named
    refused = handle(ImageRequest("PUT", "", None), SETTINGS, backends)
    assert refused.status == 405 and refused.headers["Allow"] == "GET, PUT, DELETE"
