"""OSS signatures V1 and V4, URL and header forms, made by Alibaba's own SDKs (oss2,
alibabacloud-oss-v2) and verified by `oss_signing.authenticate`."""

import datetime
import re
import time
from urllib.parse import parse_qsl, unquote, urlsplit

import alibabacloud_oss_v2 as oss
import oss2
import pytest

from conftest import OSS_KEY_ID, OSS_SECRET, oss_signed
from ossimg.core.errors import OssError
from ossimg.service.access.oss_signing import authenticate, carries_signature, readings
from ossimg.service.access.signing import KeyRing
from ossimg.service.request import ImageRequest

KEY_ID, SECRET = OSS_KEY_ID, OSS_SECRET
RING = KeyRing([f"{KEY_ID}:{SECRET}", "other:key"])
BUCKET = "photos"
PROCESS = "image/resize,w_100"


def url_request(url: str, method: str = "GET", headers: dict | None = None) -> ImageRequest:
    """What the service decodes from a URL: the path (unquoted, without its slash) and the query."""
    parts = urlsplit(url)
    query = tuple(parse_qsl(parts.query, keep_blank_values=True))
    process = next((v for k, v in query if k == "x-oss-process"), None)
    return ImageRequest(method, unquote(parts.path)[1:], process, headers or {}, "r", query)


def v1_url(key="a.jpg", expires=60, endpoint="http://127.0.0.1:3000", secret=SECRET, **kwargs) -> str:
    bucket = oss2.Bucket(oss2.Auth(KEY_ID, secret), endpoint, BUCKET, **kwargs)
    return bucket.sign_url("GET", key, expires, params={"x-oss-process": PROCESS})


def v4_url(key="a.jpg", seconds=60, secret=SECRET) -> str:
    config = oss.config.load_default()
    config.credentials_provider = oss.credentials.StaticCredentialsProvider(KEY_ID, secret)
    config.region, config.endpoint, config.use_cname = "cn-hangzhou", "http://img.example.com", True
    request = oss.GetObjectRequest(bucket=BUCKET, key=key, process=PROCESS)
    return oss.Client(config).presign(request, expires=datetime.timedelta(seconds=seconds)).url


def v1_header(method="GET", key="a.jpg", params=None, headers=None, data=None, auth=None) -> ImageRequest:
    return oss_signed(method, BUCKET, key, params, data, headers, auth)


def test_v1_url_path_style_names_the_object_after_the_bucket():
    signed = authenticate(url_request(v1_url()), BUCKET, RING)
    assert signed.access_key_id == KEY_ID and signed.key == "a.jpg"
    assert time.time() + 50 < signed.expires <= time.time() + 61


def test_v1_url_on_a_cname_names_the_object_itself():
    url = v1_url(key="dir/a b.jpg", endpoint="http://img.example.com", is_cname=True)
    assert unquote(urlsplit(url).path) == "/dir/a b.jpg"  # no bucket in the path
    assert authenticate(url_request(url), BUCKET, RING).key == "dir/a b.jpg"


def test_v4_url_from_the_v2_sdk():
    url = v4_url(key="dir/ü.jpg")
    signed = authenticate(url_request(url), BUCKET, RING)
    assert signed.key == "dir/ü.jpg" and time.time() + 50 < signed.expires <= time.time() + 61


def test_v1_and_v4_header_signatures():
    get = v1_header(params={"x-oss-process": PROCESS})
    assert get.headers["authorization"].startswith("OSS ")
    signed = authenticate(get, BUCKET, RING)
    assert signed.key == "a.jpg" and signed.expires is None
    v4 = v1_header(auth=oss2.AuthV4(KEY_ID, SECRET), params={"x-oss-process": PROCESS})
    assert v4.headers["authorization"].startswith("OSS4-HMAC-SHA256 Credential=")
    assert authenticate(v4, BUCKET, RING).key == "a.jpg"


def test_a_bucket_level_header_signature_names_no_object():
    req = v1_header(params={"style": "", "styleName": "thumb"}, key="")
    assert authenticate(req, BUCKET, RING).key is None


@pytest.mark.parametrize("make", [v1_url, v4_url])
def test_a_tampered_url_is_signature_does_not_match(make):
    url = make().replace("w_100", "w_900").replace("w_100".replace("_", "%2C"), "")
    with pytest.raises(OssError) as caught:
        authenticate(url_request(url), BUCKET, RING)
    err = caught.value
    assert (err.code, err.status) == ("SignatureDoesNotMatch", 403)
    assert err.ec in ("0002-00000040", "0002-00000201")
    fields = dict(err.details)
    assert fields["OSSAccessKeyId"] == KEY_ID and "w_900" in fields.get("StringToSign", "") + fields.get(
        "CanonicalRequest", ""
    )


@pytest.mark.parametrize("make", [v1_url, v4_url])
def test_a_wrong_secret_or_bucket_does_not_match(make):
    with pytest.raises(OssError) as caught:
        authenticate(url_request(make(secret="not-it")), BUCKET, RING)
    assert caught.value.code == "SignatureDoesNotMatch"
    with pytest.raises(OssError) as caught:
        authenticate(url_request(make()), "another-bucket", RING)
    assert caught.value.code == "SignatureDoesNotMatch"


@pytest.mark.parametrize("make", [v1_url, v4_url])
def test_an_expired_url_is_access_denied_with_the_times(make):
    url = make()
    with pytest.raises(OssError) as caught:
        authenticate(url_request(url), BUCKET, RING, now=lambda: time.time() + 3600)
    err = caught.value
    assert (err.code, err.message, err.status, err.ec) == ("AccessDenied", "Request has expired.", 403, "0002-00000069")
    assert {"Expires", "ServerTime"} <= dict(err.details).keys()


def test_an_unknown_key_id_is_invalid_access_key_id():
    with pytest.raises(OssError) as caught:
        authenticate(url_request(v1_url()), BUCKET, KeyRing(["someone:else"]))
    err = caught.value
    assert (err.code, err.status, err.ec) == ("InvalidAccessKeyId", 403, "0002-00000902")
    assert dict(err.details) == {"OSSAccessKeyId": KEY_ID}
    with pytest.raises(OssError) as caught:  # OSS signatures off: nothing verifies, nothing is served
        authenticate(url_request(v1_url()), BUCKET, KeyRing())
    assert caught.value.code == "InvalidAccessKeyId"


def test_a_header_signature_older_than_15_minutes_is_too_skewed():
    req = v1_header(params={"x-oss-process": PROCESS})
    assert authenticate(req, BUCKET, RING, now=lambda: time.time() + 14 * 60)
    with pytest.raises(OssError) as caught:
        authenticate(req, BUCKET, RING, now=lambda: time.time() + 16 * 60)
    assert (caught.value.code, caught.value.ec) == ("RequestTimeTooSkewed", "0002-00000504")


def test_v4_url_dated_in_the_future_or_living_too_long_is_refused():
    url = v4_url()
    with pytest.raises(OssError) as caught:
        authenticate(url_request(url), BUCKET, RING, now=lambda: time.time() - 3600)
    assert caught.value.ec == "0002-00000235"
    long_lived = re.sub(r"x-oss-expires=\d+", "x-oss-expires=604801", url)
    with pytest.raises(OssError) as caught:
        authenticate(url_request(long_lived), BUCKET, RING)
    assert caught.value.ec == "0002-00000232"


def test_body_digests_are_checked():
    body = b"x-oss-process=image/resize,w_10|sys/saveas,o_dGVzdC5qcGc"
    req = v1_header("POST", params={"x-oss-process": ""}, data=body, headers={"Content-Type": "text/plain"})
    assert authenticate(req, BUCKET, RING).key == "a.jpg"
    changed = req._replace(headers={**req.headers, "content-type": "image/png"})
    with pytest.raises(OssError):
        authenticate(changed, BUCKET, RING)


def test_any_authorization_header_is_a_signature_to_verify():
    for scheme in ("OSS2 AccessKeyId:x,Signature:y", "Bearer abc"):
        req = ImageRequest("GET", "a.jpg", None, {"authorization": scheme})
        assert carries_signature(req)  # never mistaken for an anonymous request
        with pytest.raises(OssError) as caught:
            authenticate(req, BUCKET, RING)
        assert caught.value.status == 403
    assert not carries_signature(ImageRequest("GET", "a.jpg", PROCESS, {}, "r", (("x-oss-process", PROCESS),)))


def test_readings_of_a_path():
    assert readings("a.jpg", BUCKET) == ["a.jpg"]
    assert readings(f"{BUCKET}/a.jpg", BUCKET) == [f"{BUCKET}/a.jpg", "a.jpg"]
    assert readings(f"{BUCKET}/", BUCKET) == [None, f"{BUCKET}/"]
    assert readings("", BUCKET) == [None]
