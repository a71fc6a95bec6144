"""The handler end to end on moto S3: event decoding, headers, conditional requests and errors."""

import json
import re
from pathlib import Path

import pytest

from conftest import BUCKET, sample, to_reply, xml_error
from devtools.events import FakeContext

EVENTS = Path(__file__).resolve().parent.parent / "events"
SPECIAL_KEYS = {
    "photos/my cat λ.jpg": "/photos/my%20cat%20%CE%BB.jpg",
    "a+b.jpg": "/a+b.jpg",
    "plus%2Bencoded+x.jpg": "/plus%252Bencoded%2Bx.jpg",
    "dir/with%2Fslash.jpg": "/dir%2Fwith%252Fslash.jpg",
    "100%.jpg": "/100%25.jpg",
}


@pytest.fixture(scope="module")
def special_keys(s3):
    for key in SPECIAL_KEYS:
        s3.put_object(Bucket=BUCKET, Key=key, Body=sample("example.jpg"), ContentType="image/jpeg")


def test_resize_returns_the_documented_size(get):
    reply = get("/example.jpg", "x-oss-process=image/resize,w_100")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "image/jpeg"
    assert reply.image.size == (100, 67)
    assert reply.headers["Content-Length"] == str(len(reply.body))


@pytest.mark.parametrize("key, raw_path", list(SPECIAL_KEYS.items()))
def test_percent_encoded_paths_decode_to_the_s3_key(get, special_keys, key, raw_path):
    reply = get(raw_path, "x-oss-process=image/resize,w_50")
    assert reply.status == 200, reply.body
    assert reply.image.size == (50, 33)


def test_process_string_raw_or_percent_encoded(get):
    raw = get("/example.jpg", "x-oss-process=image/resize,w_100/format,png")
    enc = get("/example.jpg", "x-oss-process=image%2Fresize%2Cw_100%2Fformat%2Cpng")
    assert raw.status == enc.status == 200
    assert raw.body == enc.body and raw.image.format == "PNG"


def test_without_a_process_string_the_original_bytes_come_back(get):
    reply = get("/example.gif")
    assert reply.status == 200
    assert reply.body == sample("example.gif")
    assert reply.headers["Content-Type"] == "image/gif"


def test_head_has_the_same_headers_and_no_body(get):
    full = get("/example.jpg", "x-oss-process=image/resize,w_100")
    head = get("/example.jpg", "x-oss-process=image/resize,w_100", method="HEAD")
    assert head.status == 200 and head.body == b""
    for name in ("Content-Type", "Content-Length", "ETag", "Last-Modified", "Cache-Control"):
        assert head.headers[name] == full.headers[name]


def test_etag_is_strong_stable_and_follows_the_meaning_of_the_request(get):
    a = get("/example.jpg", "x-oss-process=image/resize,w_100").headers["ETag"]
    b = get("/example.jpg", "x-oss-process=image/resize,w_0100,m_lfit").headers["ETag"]
    c = get("/example.jpg", "x-oss-process=image/resize,w_101").headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', a)
    assert a == b != c


def test_if_none_match_gives_304_without_a_body(get):
    etag = get("/example.jpg", "x-oss-process=image/resize,w_100").headers["ETag"]
    reply = get("/example.jpg", "x-oss-process=image/resize,w_100", {"If-None-Match": f'"other", {etag}'})
    assert reply.status == 304 and reply.body == b""
    assert reply.headers["ETag"] == etag and "Cache-Control" in reply.headers
    assert get("/example.jpg", "x-oss-process=image/resize,w_100", {"If-None-Match": '"other"'}).status == 200


def test_if_modified_since_applies_only_without_if_none_match(get):
    modified = get("/example.jpg", "x-oss-process=image/resize,w_100").headers["Last-Modified"]
    assert modified.endswith(" GMT")
    assert get("/example.jpg", "x-oss-process=image/resize,w_100", {"If-Modified-Since": modified}).status == 304
    old = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert get("/example.jpg", "x-oss-process=image/resize,w_100", {"If-Modified-Since": old}).status == 200
    assert (
        get(
            "/example.jpg", "x-oss-process=image/resize,w_100", {"If-None-Match": '"x"', "If-Modified-Since": modified}
        ).status
        == 200
    )


def test_cache_control_is_configurable_and_errors_get_a_short_one(get, monkeypatch):
    import app
    from ossimg.config import Settings

    monkeypatch.setenv("CACHE_CONTROL", "public, max-age=31536000, immutable")
    monkeypatch.setattr(app, "SETTINGS", Settings.from_env())  # read once per container, at init
    assert (
        get("/example.jpg", "x-oss-process=image/resize,w_10").headers["Cache-Control"]
        == "public, max-age=31536000, immutable"
    )
    assert get("/example.jpg", "x-oss-process=image/resize,w_0").headers["Cache-Control"] == "public, max-age=60"


def test_the_source_objects_cache_control_wins(get, s3):
    s3.put_object(Bucket=BUCKET, Key="cc.jpg", Body=sample("example.jpg"), CacheControl="max-age=5")
    assert get("/cc.jpg", "x-oss-process=image/resize,w_10").headers["Cache-Control"] == "max-age=5"


@pytest.mark.parametrize(
    "path, query, status, code, ec",
    [
        ("/nope.jpg", "x-oss-process=image/resize,w_100", 404, "NoSuchKey", "0040-00000024"),
        ("/nope.jpg", "", 404, "NoSuchKey", "0040-00000024"),
        ("/example.jpg", "x-oss-process=image/resize,w_0", 400, "InvalidArgument", "0040-00000312"),
        ("/example.jpg", "x-oss-process=image/slim,1", 400, "InvalidArgument", "0040-00000213"),
        ("/example.jpg", "x-oss-process=image/", 400, "MissingArgument", "0040-00000212"),
        ("/notes/readme.txt", "x-oss-process=image/resize,w_100", 400, "BadRequest", "0040-00000005"),
        ("/example.jpg", "x-oss-process=image/crop,x_400,y_0", 400, "BadRequest", None),
        ("/example.jpg", "x-oss-process=image/resize,s_700,limit_0/info", 400, "InvalidArgument", None),
    ],
)
def test_errors_are_oss_xml_with_status_code_and_ec(get, path, query, status, code, ec):
    reply = get(path, query, {"Host": "img.example.com"})
    fields = xml_error(reply)
    assert reply.status == status and fields["Code"] == code and fields.get("EC") == ec
    assert fields["RequestId"] and fields["HostId"] == "img.example.com" and fields["Message"]
    assert reply.headers.get("x-oss-ec") == ec


def test_a_bad_process_string_costs_no_s3_call(get):
    reply = get("/does/not/exist.jpg", "x-oss-process=image/resize,w_0")
    assert reply.status == 400  # not 404: validated before the source is read


def test_a_non_image_without_processing_is_served_as_is(get, objects):
    reply = get("/notes/readme.txt")
    assert reply.status == 200 and reply.body == objects["notes/readme.txt"][0]


def test_unexpected_failures_are_a_500_with_a_request_id_and_no_stack(get, monkeypatch, caplog):
    def explode(*args):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("ossimg.service.serve.render", explode)
    reply = get("/example.jpg", "x-oss-process=image/resize,w_100")
    fields = xml_error(reply)
    assert reply.status == 500 and fields["Code"] == "InternalError"
    assert fields["RequestId"] in fields["Message"]
    assert "secret" not in reply.text and "Traceback" not in reply.text
    assert reply.headers["Cache-Control"] == "no-store"


def test_a_response_over_the_lambda_payload_limit_is_a_clear_400(get):
    reply = get("/example.jpg", "x-oss-process=image/resize,m_fixed,w_1500,h_1500,limit_0/format,bmp")
    fields = xml_error(reply)
    assert reply.status == 400 and fields["Code"] == "ImageTooLarge"
    assert "Lambda response" in fields["Message"]
    assert "max-age" in reply.headers["Cache-Control"]  # cacheable: the same request fails the same way


def test_the_handler_catches_what_the_payload_check_missed(get, monkeypatch):
    monkeypatch.setattr("ossimg.service.serve.check_payload", lambda nbytes: None)
    reply = get("/example.jpg", "x-oss-process=image/resize,m_fixed,w_1500,h_1500,limit_0/format,bmp")
    assert reply.status == 400 and xml_error(reply)["Code"] == "ImageTooLarge"


def test_other_methods_are_refused(get):
    refused = get("/example.jpg", method="PUT")  # objects are read here, and processed by POST ?x-oss-process
    # RFC 9110: a 405 names what is allowed
    assert refused.status == 405 and refused.headers["Allow"] == "GET, HEAD, POST"
    assert get("/example.jpg", method="DELETE").status == 405
    assert get("/example.jpg", method="POST").status == 405  # a POST without x-oss-process is nothing we do


def test_the_root_path_is_a_clear_400(get):
    assert get("/").status == 400


@pytest.mark.parametrize("event_file", sorted(p.name for p in EVENTS.glob("*.json")))
def test_every_sample_event_runs(s3, event_file):
    import app

    event = json.loads((EVENTS / event_file).read_text())
    reply = to_reply(app.handler(event, FakeContext()))
    expected = {"rest-bad-parameter.json": 400, "rest-missing-key.json": 404}.get(event_file, 200)
    assert reply.status == expected, reply.body[:300]
    if expected == 200 and not event_file.startswith("rest-head") and "info" not in event_file:
        assert reply.image.size[0] > 0


def test_http_api_paths_arrive_decoded_and_function_urls_encoded(s3, special_keys):
    import app

    http_api = json.loads((EVENTS / "http-api-rotate.json").read_text())
    http_api["rawPath"] = "/photos/my cat λ.jpg"  # API Gateway HTTP APIs decode the path
    assert to_reply(app.handler(http_api, FakeContext())).image.size == (267, 400)
    url = json.loads((EVENTS / "function-url-crop.json").read_text())
    url["rawPath"] = "/photos/my%20cat%20%CE%BB.jpg"  # Function URLs keep it encoded
    assert to_reply(app.handler(url, FakeContext())).image.size == (200, 200)


def test_http_api_stage_prefix_is_removed(s3):
    import app

    event = json.loads((EVENTS / "http-api-rotate.json").read_text())
    event["rawPath"] = "/v1/example.jpg"
    event["requestContext"]["stage"] = "v1"
    assert to_reply(app.handler(event, FakeContext())).image.size == (267, 400)


@pytest.mark.parametrize("content_type", [None, "application/json", "text/plain", "application/pdf"])
def test_any_stored_bytes_pass_through_untouched(get, s3, content_type):
    body = bytes(range(256)) * 3  # not UTF-8
    extra = {"ContentType": content_type} if content_type else {}
    s3.put_object(Bucket=BUCKET, Key=f"blobs/{content_type}", Body=body, **extra)
    reply = get(f"/blobs/{content_type}")
    assert reply.status == 200 and reply.body == body


def test_error_bodies_end_with_ec_and_its_recommended_doc(get):
    """OSS's error bodies: Code, Message, RequestId, HostId, the code's own fields, EC, RecommendDoc."""
    reply = get("/example.jpg", "x-oss-process=image/rotate")
    tags = re.findall(r"<(\w+)>", reply.text)
    assert tags == ["Error", "Code", "Message", "RequestId", "HostId", "EC", "RecommendDoc"]
    fields = xml_error(reply)
    assert fields["EC"] == "0040-00000216"
    assert fields["RecommendDoc"] == "https://api.aliyun.com/troubleshoot?q=0040-00000216"
    assert "RecommendDoc" not in get("/example.jpg", "x-oss-process=video/snapshot").text  # no EC, no link
