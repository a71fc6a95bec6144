"""Styles: style/<name>, <key>!<name>, the store and its cache, and the make style helpers."""

import pytest

from conftest import BUCKET, sample
from devtools.styles import SAMPLE_STYLES, list_styles, put_style
from ossimg.core.errors import OssError
from ossimg.service.styles.store import StyleStore


def xml_code(reply) -> str:
    import re

    return dict(re.findall(r"<(\w+)>([^<]*)</\1>", reply.text))


def test_style_by_query(get):
    reply = get("/example.jpg", "x-oss-process=style/thumb")
    assert reply.status == 200 and reply.image.size == (100, 100)


def test_style_by_delimiter(get):
    reply = get("/example.jpg!avatar")
    image = reply.image
    assert reply.status == 200 and image.size == (201, 201) and image.format == "PNG"
    assert image.getpixel((0, 0))[3] == 0


def test_style_by_delimiter_on_a_nested_unicode_key(get, s3):
    s3.put_object(Bucket=BUCKET, Key="a/b λ.jpg", Body=sample("example.jpg"))
    assert get("/a/b%20%CE%BB.jpg!small").image.size == (200, 134)


def test_styled_and_direct_requests_share_the_etag_of_their_meaning(get):
    styled = get("/example.jpg", "x-oss-process=style/thumb").headers["ETag"]
    direct = get("/example.jpg", f"x-oss-process={SAMPLE_STYLES['thumb']}").headers["ETag"]
    assert styled == direct


def test_unknown_style_is_404_no_such_style(get):
    reply = get("/example.jpg", "x-oss-process=style/nope")
    assert reply.status == 404 and xml_code(reply)["Code"] == "NoSuchStyle"


@pytest.mark.parametrize(
    "name, ec",
    [
        ("bad;name", "0040-00000602"),
        ("a*b", "0040-00000602"),
        ("", None),
        ("x" * 64, None),
        ("thumb/resize,w_10", None),
    ],
)
def test_invalid_style_names(get, name, ec):
    reply = get("/example.jpg", f"x-oss-process=style/{name}")
    fields = xml_code(reply)
    assert reply.status == 400 and fields["Code"] == "InvalidArgument" and fields.get("EC") == ec


def test_a_key_that_merely_contains_the_delimiter_is_still_a_key(get, s3):
    s3.put_object(Bucket=BUCKET, Key="wow!photo.jpg", Body=sample("example.jpg"))
    reply = get("/wow!photo.jpg")
    assert reply.status == 200 and reply.body == sample("example.jpg")
    # OSS answers NoSuchStyle when the suffix names no style; here only when the whole key is no object either.
    missing = get("/example.jpg!nostyle")
    assert missing.status == 404 and xml_code(missing)["Code"] == "NoSuchStyle"
    assert xml_code(get("/nothing-here.jpg"))["Code"] == "NoSuchKey"  # no delimiter: the key is missing


def test_invalid_style_content_is_refused_at_use(get, s3):
    s3.put_object(Bucket=BUCKET, Key="_styles/broken", Body=b"image/resize,w_(10)")
    s3.put_object(Bucket=BUCKET, Key="_styles/nonsense", Body=b"csdar5324")
    broken = get("/example.jpg", "x-oss-process=style/broken")
    assert broken.status == 400 and xml_code(broken)["EC"] == "0017-00000253"
    assert get("/example.jpg", "x-oss-process=style/nonsense").status == 400


def test_styles_are_not_served_as_objects(get):
    assert get("/_styles/thumb").status == 403


def test_the_store_caches_hits_and_misses_for_its_ttl(s3):
    from ossimg.stores.s3 import S3Source

    now = [0.0]
    store = StyleStore(S3Source(BUCKET, s3), "_styles/", ttl=60, clock=lambda: now[0])
    s3.put_object(Bucket=BUCKET, Key="_styles/changing", Body=b"image/resize,w_10")
    assert store.get("changing") == "image/resize,w_10" and store.get("absent") is None
    s3.put_object(Bucket=BUCKET, Key="_styles/changing", Body=b"image/resize,w_20")
    s3.put_object(Bucket=BUCKET, Key="_styles/absent", Body=b"image/resize,w_30")
    assert store.get("changing") == "image/resize,w_10" and store.get("absent") is None
    now[0] = 61
    assert store.get("changing") == "image/resize,w_20" and store.get("absent") == "image/resize,w_30"


def test_make_style_checks_before_storing(s3):
    put_style(s3, BUCKET, "tiny", "image/resize,w_16")
    assert list_styles(s3, BUCKET)["tiny"] == "image/resize,w_16"
    for name, content in (("bad name", "image/resize,w_1"), ("ok", "image/resize,w_0"), ("ok", "image/(x)")):
        with pytest.raises(OssError):
            put_style(s3, BUCKET, name, content)
    assert "ok" not in list_styles(s3, BUCKET)


def test_sample_styles_are_seeded(s3):
    assert {k: v for k, v in list_styles(s3, BUCKET).items() if k in SAMPLE_STYLES} == SAMPLE_STYLES
