"""Signed URLs: the published string-to-sign, test vectors, rotation, expiry, SSM keys, the handler."""

import time
from urllib.parse import urlsplit

import pytest

from conftest import to_reply
from devtools.events import FakeContext, rest_event
from devtools.sign import signed_url
from ossimg.core.errors import OssError
from ossimg.service.access.signing import KeyRing, sign, string_to_sign, verify

VECTOR_QUERY = [("x-oss-process", "image/resize,w_300"), ("x-expires", "1893456000")]


def test_string_to_sign_and_test_vectors():  # the README publishes these
    assert string_to_sign("photos/my cat λ.jpg", VECTOR_QUERY) == (
        "/photos/my%20cat%20%CE%BB.jpg\nx-expires=1893456000&x-oss-process=image%2Fresize%2Cw_300"
    )
    assert sign("test-key-1", "photos/my cat λ.jpg", VECTOR_QUERY) == (
        "2967dfcbdc13a97eaffe617fcda81ffaef095db7ca1d536e6f90b7af16baea4a"
    )
    assert sign("test-key-1", "example.jpg", [("x-oss-process", "image/resize,w_100")]) == (
        "b30df0a7d1de6a2b006db0c18593fee74315771c32daf60090a7e52f79bf40ab"
    )


def test_the_readme_snippet_signs_the_same():
    url = signed_url("https://cdn.example.com", "photos/my cat λ.jpg", "image/resize,w_300", "test-key-1", 1893456000)
    assert url.endswith("x-signature=2967dfcbdc13a97eaffe617fcda81ffaef095db7ca1d536e6f90b7af16baea4a")


def query_of(url: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(urlsplit(url).query)


RING = KeyRing(["old-key", "new-key"])


@pytest.mark.parametrize("secret", ["old-key", "new-key"])
def test_any_active_key_verifies(secret):
    verify("a.jpg", query_of(signed_url("", "a.jpg", "image/resize,w_10", secret)), RING)


@pytest.mark.parametrize(
    "change, code",
    [
        (lambda q: [(k, "image/resize,w_11" if k == "x-oss-process" else v) for k, v in q], "SignatureDoesNotMatch"),
        (lambda q: [(k, v) for k, v in q if k != "x-signature"], "AccessDenied"),
        (lambda q: q + [("extra", "1")], "SignatureDoesNotMatch"),
        (lambda q: [(k, "0" * 64 if k == "x-signature" else v) for k, v in q], "SignatureDoesNotMatch"),
    ],
)
def test_tampering_is_refused(change, code):
    query = query_of(signed_url("", "a.jpg", "image/resize,w_10", "new-key"))
    with pytest.raises(OssError) as caught:
        verify("a.jpg", change(query), RING)
    assert (caught.value.status, caught.value.code) == (403, code)


def test_another_key_or_path_is_refused():
    query = query_of(signed_url("", "a.jpg", "image/resize,w_10", "stolen"))
    with pytest.raises(OssError):
        verify("a.jpg", query, RING)
    with pytest.raises(OssError):
        verify("b.jpg", query_of(signed_url("", "a.jpg", "image/resize,w_10", "new-key")), RING)


def test_expiry():
    future, past = int(time.time()) + 600, int(time.time()) - 1
    verify("a.jpg", query_of(signed_url("", "a.jpg", "image/resize,w_10", "new-key", future)), RING)
    with pytest.raises(OssError) as caught:
        verify("a.jpg", query_of(signed_url("", "a.jpg", "image/resize,w_10", "new-key", past)), RING)
    assert caught.value.message == "Request has expired."


def test_signing_is_off_without_keys():
    verify("a.jpg", [("x-oss-process", "image/resize,w_10")], KeyRing())


def test_fetched_keys_are_cached_for_their_ttl():
    calls, now = [], [0.0]

    def fetch():
        calls.append(1)
        return ["k1"] if len(calls) == 1 else ["k2"]

    ring = KeyRing(fetch=fetch, ttl=300, clock=lambda: now[0])
    assert ring.keys() == ["k1"] and ring.keys() == ["k1"] and len(calls) == 1
    now[0] = 301
    assert ring.keys() == ["k2"]


def test_keys_from_ssm(s3):
    import boto3

    from ossimg.stores.s3 import ssm_secrets

    boto3.client("ssm").put_parameter(Name="/img/keys", Value="ssm-a, ssm-b", Type="SecureString")
    assert ssm_secrets("/img/keys")() == ["ssm-a", "ssm-b"]


def test_the_handler_requires_and_checks_signatures(s3, monkeypatch):
    import app

    monkeypatch.setattr(app, "BACKENDS", app.BACKENDS._replace(keys=KeyRing(["live-key"])))
    url = signed_url("", "example.jpg", "image/resize,w_100", "live-key", int(time.time()) + 60)
    parts = urlsplit(url)

    def call(query: str):
        return to_reply(app.handler(rest_event("GET", parts.path, query), FakeContext()))

    assert call(parts.query).status == 200
    assert call(parts.query).image.size == (100, 67)
    assert call("x-oss-process=image/resize,w_100").status == 403
    tampered = call(parts.query.replace("w_100", "w_101"))
    assert tampered.status == 403 and b"SignatureDoesNotMatch" in tampered.body


def test_the_readme_shows_the_tested_client():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    readme, source = (root / "README.md").read_text(), (root / "devtools/sign.py").read_text()
    shown = readme[readme.index("def signed_url(") :].split("```")[0].strip()
    assert shown == source[source.index("def signed_url(") : source.index("\n\n\nif __name__")].strip()
    assert "2967dfcbdc13a97eaffe617fcda81ffaef095db7ca1d536e6f90b7af16baea4a" in readme
