"""Accept-based auto-format (AUTO_FORMAT): AVIF or WebP when the chain names no format."""

import pytest

from conftest import to_reply
from devtools.events import FakeContext, rest_event

AVIF_AND_WEBP = "image/avif,image/webp,*/*"


@pytest.fixture
def auto(s3, monkeypatch):
    import app

    monkeypatch.setattr(app, "SETTINGS", app.SETTINGS._replace(auto_format=True))


def call(path, query, accept=None):
    import app

    headers = {"Accept": accept} if accept else {}
    return to_reply(app.handler(rest_event("GET", path, query, headers), FakeContext()))


@pytest.mark.parametrize(
    "accept, content_type",
    [(AVIF_AND_WEBP, "image/avif"), ("image/webp,*/*", "image/webp"), ("*/*", "image/jpeg"), (None, "image/jpeg")],
)
def test_the_best_accepted_format(auto, accept, content_type):
    reply = call("/example.jpg", "x-oss-process=image/resize,w_100", accept)
    assert reply.status == 200 and reply.headers["Content-Type"] == content_type
    assert reply.headers["Vary"] == "Accept" and reply.image.size == (100, 67)


def test_each_negotiated_format_has_its_own_etag(auto):
    tags = {call("/example.jpg", "x-oss-process=image/resize,w_100", a).headers["ETag"] for a in (AVIF_AND_WEBP, "*/*")}
    assert len(tags) == 2


def test_an_explicit_format_wins(auto):
    reply = call("/example.jpg", "x-oss-process=image/resize,w_100/format,png", AVIF_AND_WEBP)
    assert reply.headers["Content-Type"] == "image/png"


def test_animations_get_animated_webp_never_avif(auto):
    reply = call("/example.gif", "x-oss-process=image/resize,w_100", AVIF_AND_WEBP)
    assert reply.headers["Content-Type"] == "image/webp" and reply.image.n_frames == 3


def test_a_source_too_big_for_webp_is_not_negotiated_to_webp(auto, monkeypatch):
    """WebP conversion needs the source within its side limit (OSS's format page): negotiation
    passes over WebP rather than answering an error the client did not ask for."""
    import app

    limits = app.SETTINGS.limits._replace(max_webp_side=399, max_avif_pixels=100)
    monkeypatch.setattr(app, "SETTINGS", app.SETTINGS._replace(limits=limits))
    reply = call("/example.jpg", "x-oss-process=image/resize,w_100", AVIF_AND_WEBP)
    assert reply.status == 200 and reply.headers["Content-Type"] == "image/jpeg" and reply.image.size == (100, 67)


def test_too_big_for_avif_falls_back(auto, monkeypatch):
    import app

    monkeypatch.setattr(
        app, "SETTINGS", app.SETTINGS._replace(limits=app.SETTINGS.limits._replace(max_avif_pixels=100))
    )
    assert (
        call("/example.jpg", "x-oss-process=image/resize,w_100", AVIF_AND_WEBP).headers["Content-Type"] == "image/webp"
    )


def test_info_and_originals_are_not_negotiated(auto):
    assert call("/example.jpg", "x-oss-process=image/info", AVIF_AND_WEBP).headers["Content-Type"] == "application/json"
    assert call("/example.jpg", "", AVIF_AND_WEBP).headers["Content-Type"] == "image/jpeg"


def test_off_by_default(s3):
    reply = call("/example.jpg", "x-oss-process=image/resize,w_100", AVIF_AND_WEBP)
    assert reply.headers["Content-Type"] == "image/jpeg" and "Vary" not in reply.headers
