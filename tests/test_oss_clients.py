"""Alibaba's own SDKs, unchanged but for the endpoint, against `make run` (its embedded S3): oss2
(signature V1, path style on an IP endpoint) and alibabacloud-oss-v2 (signature V4, CNAME style)."""

import base64
import datetime
import io
import time

import alibabacloud_oss_v2 as oss
import oss2
import pytest
from PIL import Image

from conftest import xml_fields
from devtools.samples import BUCKET
from test_local_server import fetch, start_server

KEY_ID, SECRET = "LTAI5tClient", "client-secret-1"
KEYS = {"OSS_ACCESS_KEYS": f"{KEY_ID}:{SECRET}"}


def serve(tmp_path_factory, name: str, **env):
    folder = tmp_path_factory.mktemp(name)
    proc, base = start_server({**KEYS, "MAKE_RUN_FILE": str(folder / "run.json"), **env}, folder / "server.log")
    return proc, base


@pytest.fixture(scope="module")
def open_server(tmp_path_factory):
    proc, base = serve(tmp_path_factory, "oss-open", SAVEAS="true", STYLE_API="true")
    yield base
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def private_server(tmp_path_factory):
    proc, base = serve(tmp_path_factory, "oss-private", SOURCE_ACL="private")
    yield base
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def guarded_server(tmp_path_factory):
    proc, base = serve(
        tmp_path_factory,
        "oss-guarded",
        PROTECTED_SUFFIXES=".jpg",
        REFERER_ALLOW="*.example.com",
        REFERER_ALLOW_EMPTY="false",
    )
    yield base
    proc.terminate()
    proc.wait(timeout=10)


def v1_bucket(base: str, secret: str = SECRET) -> oss2.Bucket:
    return oss2.Bucket(oss2.Auth(KEY_ID, secret), base, BUCKET)  # an IP endpoint: /<bucket>/<key>


def v2_client(base: str) -> oss.Client:
    config = oss.config.load_default()
    config.credentials_provider = oss.credentials.StaticCredentialsProvider(KEY_ID, SECRET)
    config.region = "cn-hangzhou"
    config.endpoint = base.replace("127.0.0.1", "localhost")
    config.use_cname = True  # the CDN's domain stands for the bucket: /<key>
    return oss.Client(config)


def width(body: bytes) -> int:
    return Image.open(io.BytesIO(body)).width


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


# Signed URLs --------------------------------------------------------------------------------------


def test_v1_and_v4_presigned_gets_return_the_processed_image(open_server):
    v1 = v1_bucket(open_server).sign_url("GET", "example.jpg", 60, params={"x-oss-process": "image/resize,w_100"})
    status, headers, body = fetch(v1)
    assert status == 200 and width(body) == 100 and headers["Content-Type"] == "image/jpeg"
    assert "max-age=60" in headers["Cache-Control"] or "max-age=59" in headers["Cache-Control"]  # not past expiry
    request = oss.GetObjectRequest(bucket=BUCKET, key="example.jpg", process="image/resize,w_120")
    v4 = v2_client(open_server).presign(request, expires=datetime.timedelta(seconds=60)).url
    assert "x-oss-signature-version=OSS4-HMAC-SHA256" in v4 and f"/{BUCKET}/" not in v4
    status, _, body = fetch(v4)
    assert status == 200 and width(body) == 120


def test_expired_and_tampered_urls_are_403_with_oss_codes(open_server):
    expired = v1_bucket(open_server).sign_url("GET", "example.jpg", -10, params={"x-oss-process": "image/resize,w_100"})
    status, _, body = fetch(expired)
    assert status == 403 and xml_fields(body)["Code"] == "AccessDenied" and xml_fields(body)["EC"] == "0002-00000069"
    assert xml_fields(body)["Message"] == "Request has expired."

    request = oss.GetObjectRequest(bucket=BUCKET, key="example.jpg", process="image/resize,w_120")
    short = v2_client(open_server).presign(request, expires=datetime.timedelta(seconds=2)).url
    time.sleep(3.1)
    status, _, body = fetch(short)
    assert status == 403 and xml_fields(body)["Message"] == "Request has expired."

    fresh = v1_bucket(open_server).sign_url("GET", "example.jpg", 60, params={"x-oss-process": "image/resize,w_100"})
    status, _, body = fetch(fresh.replace("w_100", "w_900"))
    assert status == 403 and xml_fields(body)["Code"] == "SignatureDoesNotMatch"
    assert xml_fields(body)["EC"] == "0002-00000040" and "w_900" in xml_fields(body)["StringToSign"]


def test_sdk_calls_with_a_wrong_key_fail_as_on_oss(open_server):
    with pytest.raises(oss2.exceptions.SignatureDoesNotMatch) as caught:
        v1_bucket(open_server, secret="wrong").get_object("example.jpg")
    assert caught.value.status == 403 and caught.value.ec == "0002-00000040"
    other = oss2.Bucket(oss2.Auth("LTAIunknown", SECRET), open_server, BUCKET)
    with pytest.raises(oss2.exceptions.ServerError) as caught:
        other.get_object("example.jpg")
    assert caught.value.code == "InvalidAccessKeyId" and caught.value.ec == "0002-00000902"


# sys/saveas ---------------------------------------------------------------------------------------


def test_process_object_saves_and_get_object_reads_it_back(open_server):
    bucket = v1_bucket(open_server)
    result = bucket.process_object(
        "example.jpg", f"image/resize,w_100|sys/saveas,o_{b64('thumbs/v1.jpg')},b_{b64(BUCKET)}"
    )
    assert result.status == 200 and result.process_status == "OK" and result.object == "thumbs/v1.jpg"
    saved = bucket.get_object("thumbs/v1.jpg").read()
    assert len(saved) == result.fileSize and width(saved) == 100

    client = v2_client(open_server)
    process = f"image/resize,w_80/format,png|sys/saveas,o_{b64('thumbs/v4.png')}"
    result = client.process_object(oss.ProcessObjectRequest(bucket=BUCKET, key="example.jpg", process=process))
    assert result.status_code == 200 and result.process_status == "OK"
    saved = client.get_object(oss.GetObjectRequest(bucket=BUCKET, key="thumbs/v4.png"))
    data = saved.body.read()
    assert len(data) == result.file_size and saved.content_type == "image/png" and width(data) == 80


def test_an_unsigned_saveas_writes_nothing(open_server):
    body = f"x-oss-process=image/resize,w_10|sys/saveas,o_{b64('thumbs/anonymous.jpg')}".encode()
    status, _, reply = fetch(f"{open_server}/example.jpg?x-oss-process", "POST", body=body)
    assert status == 403 and xml_fields(reply)["Code"] == "AccessDenied"
    with pytest.raises(oss2.exceptions.NoSuchKey):
        v1_bucket(open_server).get_object("thumbs/anonymous.jpg")


# The style API ------------------------------------------------------------------------------------


def test_the_four_style_calls_round_trip_and_the_style_serves(open_server):
    bucket = v1_bucket(open_server)
    assert bucket.put_bucket_style("sdk-v1", "image/resize,w_44").status == 200
    got = bucket.get_bucket_style("sdk-v1")
    assert (got.name, got.content) == ("sdk-v1", "image/resize,w_44") and got.create_time and got.last_modify_time
    assert "sdk-v1" in [style.name for style in bucket.list_bucket_style().styles]
    status, _, body = fetch(f"{open_server}/example.jpg?x-oss-process=style/sdk-v1")
    assert status == 200 and width(body) == 44
    assert bucket.delete_bucket_style("sdk-v1").status == 204
    with pytest.raises(oss2.exceptions.ServerError) as caught:
        bucket.get_bucket_style("sdk-v1")
    assert caught.value.status == 404 and caught.value.code == "NoSuchStyle"

    client = v2_client(open_server)
    client.put_style(
        oss.PutStyleRequest(bucket=BUCKET, style_name="sdk-v4", style=oss.StyleContent(content="image/resize,w_33"))
    )
    style = client.get_style(oss.GetStyleRequest(bucket=BUCKET, style_name="sdk-v4")).style
    assert (style.name, style.content, style.category) == ("sdk-v4", "image/resize,w_33", "image")
    listed = client.list_style(oss.ListStyleRequest(bucket=BUCKET)).style_list.styles
    assert "sdk-v4" in [s.name for s in listed]
    status, _, body = fetch(f"{open_server}/example.jpg?x-oss-process=style/sdk-v4")
    assert status == 200 and width(body) == 33
    assert client.delete_style(oss.DeleteStyleRequest(bucket=BUCKET, style_name="sdk-v4")).status_code == 204


# Private bucket -----------------------------------------------------------------------------------


def test_a_private_source_refuses_unsigned_reads_and_serves_signed_ones(private_server):
    status, _, body = fetch(f"{private_server}/example.jpg?x-oss-process=image/resize,w_100")
    assert status == 403 and xml_fields(body)["EC"] == "0003-00000001"
    bucket = v1_bucket(private_server)
    status, _, body = fetch(bucket.sign_url("GET", "example.jpg", 60, params={"x-oss-process": "image/resize,w_90"}))
    assert status == 200 and width(body) == 90
    assert width(bucket.get_object("example.jpg", process="image/resize,w_70").read()) == 70
    request = oss.GetObjectRequest(bucket=BUCKET, key="example.jpg", process="image/resize,w_60")
    status, _, body = fetch(v2_client(private_server).presign(request).url)
    assert status == 200 and width(body) == 60


# Source-image protection and hotlink rules --------------------------------------------------------


def test_protected_suffixes_and_referer_rules_as_oss(guarded_server):
    good = {"Referer": "https://www.example.com/gallery"}
    for query in ("", "?x-oss-process=image/resize,w_10"):
        status, _, body = fetch(f"{guarded_server}/example.jpg{query}", headers=good)
        assert status == 403 and "style" in xml_fields(body)["Message"]
    status, _, body = fetch(f"{guarded_server}/example.jpg?x-oss-process=style/thumb", headers=good)
    assert status == 200 and Image.open(io.BytesIO(body)).format
    status, _, _ = fetch(f"{guarded_server}/transparent.png?x-oss-process=image/resize,w_10", headers=good)
    assert status == 200  # not a protected suffix

    for headers in ({}, {"Referer": "https://evil.com/page"}):  # empty referers not allowed here
        status, _, body = fetch(f"{guarded_server}/example.jpg?x-oss-process=style/thumb", headers=headers)
        assert status == 403 and xml_fields(body)["EC"] == "0003-00000503"

    bucket = v1_bucket(guarded_server)
    signed = bucket.sign_url("GET", "example.jpg", 60, params={"x-oss-process": "image/resize,w_10"})
    assert fetch(signed, headers=good)[0] == 200  # a signature lifts source protection
    assert fetch(signed, headers={"Referer": "https://evil.com/"})[0] == 403  # URLs still meet the Referer rules
    assert width(bucket.get_object("example.jpg", process="image/resize,w_12").read()) == 12  # header: no Referer check
