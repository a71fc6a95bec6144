"""Outputs too big for a Lambda response: stored in OUTPUT_BUCKET and redirected to, or a clear 400."""

from urllib.parse import urlsplit

import pytest

from conftest import BUCKET, sample, to_reply
from devtools.events import FakeContext, rest_event
from ossimg.service.response import max_raw_body
from ossimg.stores.s3 import S3Outputs

BIG = "x-oss-process=image/resize,m_fixed,w_1500,h_1500,limit_0/format,bmp"  # a 6.75 MB BMP
OUTPUT_BUCKET = "test-derived"


@pytest.fixture
def outputs(s3, monkeypatch):
    import app

    if OUTPUT_BUCKET not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
        s3.create_bucket(Bucket=OUTPUT_BUCKET)
    store = S3Outputs(OUTPUT_BUCKET, s3)
    monkeypatch.setattr(app, "BACKENDS", app.BACKENDS._replace(outputs=store))
    return store


def call(path: str, query: str = ""):
    import app

    return to_reply(app.handler(rest_event("GET", path, query), FakeContext()))


def test_without_an_output_bucket_a_big_result_is_a_cacheable_400(s3):
    reply = call("/example.jpg", BIG)
    assert reply.status == 400 and b"ImageTooLarge" in reply.body and "max-age" in reply.headers["Cache-Control"]


def test_a_big_result_is_stored_once_and_redirected_to(outputs, s3, monkeypatch):
    first = call("/example.jpg", BIG)
    assert first.status == 302 and first.body == b""
    location = urlsplit(first.headers["Location"])
    key = location.path.split("/", 2)[2] if location.path.startswith(f"/{OUTPUT_BUCKET}/") else location.path[1:]
    stored = s3.get_object(Bucket=OUTPUT_BUCKET, Key=key)
    body = stored["Body"].read()
    assert len(body) > max_raw_body() and stored["ContentType"] == "image/bmp"
    assert key.startswith("derived/") and "max-age" in first.headers["Cache-Control"]

    import ossimg.service.serve

    def no_rendering(*args, **kwargs):
        raise AssertionError("rendered again")

    monkeypatch.setattr(ossimg.service.serve, "render", no_rendering)
    again = call("/example.jpg", BIG)
    assert again.status == 302 and urlsplit(again.headers["Location"]).path == location.path


def test_small_results_are_still_answered_directly(outputs):
    reply = call("/example.jpg", "x-oss-process=image/resize,w_100")
    assert reply.status == 200 and reply.image.size == (100, 67)


def test_an_original_too_big_to_pass_through_redirects_to_itself(outputs, s3):
    big = sample("example.jpg") + b"\0" * (max_raw_body() + 1)
    s3.put_object(Bucket=BUCKET, Key="huge-original.jpg", Body=big, ContentType="image/jpeg")
    reply = call("/huge-original.jpg")
    assert reply.status == 302
    assert urlsplit(reply.headers["Location"]).path.endswith("huge-original.jpg")


def test_a_public_base_url_instead_of_presigning(s3):
    store = S3Outputs(OUTPUT_BUCKET, s3, base_url="https://derived.example.com/")
    assert store.url("derived/abc") == "https://derived.example.com/derived/abc"


# Every derivative worth keeping (STORE_DERIVATIVES_MS) ------------------------------------------


@pytest.fixture
def storing(outputs, monkeypatch):
    import app

    monkeypatch.setattr(app, "SETTINGS", app.SETTINGS._replace(store_derivatives_ms=0))
    return outputs


def no_rendering(monkeypatch):
    import ossimg.service.serve

    def refuse(*args, **kwargs):
        raise AssertionError("rendered again")

    monkeypatch.setattr(ossimg.service.serve, "render", refuse)


def test_a_stored_derivative_answers_the_next_miss_without_rendering(storing, s3, monkeypatch):
    first = call("/example.jpg", "x-oss-process=image/resize,w_100/format,webp")
    assert first.status == 200 and first.headers["X-Derivative"] == "stored" and first.image.size == (100, 67)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=OUTPUT_BUCKET, Prefix="derived/").get("Contents", [])]
    assert f"derived/{first.headers['ETag'].strip(chr(34))}" in keys
    no_rendering(monkeypatch)
    again = call("/example.jpg", "x-oss-process=image/resize,w_100/format,webp")
    assert again.status == 200 and again.headers["X-Derivative"] == "hit" and again.body == first.body
    assert again.headers["Content-Type"] == "image/webp" and again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Cache-Control"] == first.headers["Cache-Control"]
    head = to_reply(
        __import__("app").handler(
            rest_event("HEAD", "/example.jpg", "x-oss-process=image/resize,w_100/format,webp"), FakeContext()
        )
    )  # noqa: E501
    assert head.status == 200 and head.body == b"" and head.headers["Content-Length"] == str(len(first.body))


def test_a_changed_source_is_rendered_again(storing, s3):
    s3.put_object(Bucket=BUCKET, Key="changing.jpg", Body=sample("example.jpg"), ContentType="image/jpeg")
    first = call("/changing.jpg", "x-oss-process=image/resize,w_50")
    assert first.headers["X-Derivative"] == "stored"
    s3.put_object(Bucket=BUCKET, Key="changing.jpg", Body=sample("f.jpg"), ContentType="image/jpeg")
    second = call("/changing.jpg", "x-oss-process=image/resize,w_50")  # a new ETag: a new derivative
    assert second.headers["X-Derivative"] == "stored" and second.image.size != first.image.size


def test_only_renderings_slower_than_the_threshold_are_kept(outputs, s3, monkeypatch):
    import app

    monkeypatch.setattr(app, "SETTINGS", app.SETTINGS._replace(store_derivatives_ms=60_000))
    reply = call("/example.jpg", "x-oss-process=image/resize,w_90")
    assert reply.status == 200 and "X-Derivative" not in reply.headers
    monkeypatch.setattr(app, "SETTINGS", app.SETTINGS._replace(store_derivatives_ms=-1))  # the default: off
    assert "X-Derivative" not in call("/example.jpg", "x-oss-process=image/resize,w_91").headers


def test_stored_json_answers_stay_text(storing):
    first = call("/f.jpg", "x-oss-process=image/info")
    again = call("/f.jpg", "x-oss-process=image/info")
    assert again.headers["X-Derivative"] == "hit" and again.body == first.body and b'"Orientation"' in again.body


def test_a_failing_store_still_answers_the_result(storing, monkeypatch):
    """Keeping a derivative is optional work: an S3 error there is logged, not the client's 500."""

    def broken(*args, **kwargs):
        raise RuntimeError("S3 is down")

    monkeypatch.setattr(storing, "store", broken)
    reply = call("/example.jpg", "x-oss-process=image/resize,w_77")
    assert reply.status == 200 and reply.image.size == (77, 51) and "X-Derivative" not in reply.headers


def test_a_failing_look_up_renders_instead(storing, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("S3 is down")

    monkeypatch.setattr(storing, "open", broken)
    reply = call("/example.jpg", "x-oss-process=image/resize,w_78")
    assert reply.status == 200 and reply.image.size == (78, 52)


class ShortOfTime(FakeContext):
    def get_remaining_time_in_millis(self) -> int:
        return 9_000  # less DEADLINE_MARGIN_MS: under one S3 call's worst case (11 s)


def test_no_derivative_is_kept_when_a_stalled_put_could_outlast_the_function(storing):
    import app

    reply = to_reply(app.handler(rest_event("GET", "/example.jpg", "x-oss-process=image/resize,w_79"), ShortOfTime()))
    assert reply.status == 200 and reply.image.size == (79, 53) and "X-Derivative" not in reply.headers


def test_a_big_result_is_a_503_rather_than_a_put_that_could_outlast_the_function(outputs):
    import app

    before = outputs.client.list_objects_v2(Bucket=OUTPUT_BUCKET).get("KeyCount")
    big = BIG.replace("w_1500,h_1500", "w_1501,h_1501")  # not stored by an earlier test
    reply = to_reply(app.handler(rest_event("GET", "/example.jpg", big), ShortOfTime()))
    assert reply.status == 503 and b"ServiceUnavailable" in reply.body
    assert outputs.client.list_objects_v2(Bucket=OUTPUT_BUCKET).get("KeyCount") == before
