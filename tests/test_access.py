"""Who may read what: the Referer rules (in the function and in the template's CloudFront Function,
checked side by side), source-image protection and the ACL, through `handle`."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import sample, xml_error
from ossimg.config import RefererRule, Settings
from ossimg.service.access.rules import protected
from ossimg.service.handle import Backends, handle
from ossimg.service.request import ImageRequest
from ossimg.service.styles.store import StyleStore
from ossimg.stores.memory import MemorySource

ROOT = Path(__file__).resolve().parent.parent

# OSS's documented examples (hotlink protection pages): rule, referer, allowed.
ALLOW_CASES = [
    ("www.aliyun.com", "http://www.aliyun.com/123", True),  # a prefix, the scheme aside
    ("www.aliyun.com", "https://www.aliyun.com.cn", True),
    ("www.aliyun.com", "http://help.aliyun.com/", False),
    ("*www.aliyun.com/", "http://www.aliyun.com/", True),
    ("*www.aliyun.com/", "https://www.aliyun.com/", True),
    ("*.aliyun.com", "https://help.aliyun.com/x", True),
    ("*.aliyun.com", "https://www.aliyun.com", True),
    ("*.aliyun.com", "https://aliyun.org", False),
    ("aliyun?.com", "http://aliyuna.com", True),
    ("aliyun?.com", "http://aliyunab.com", False),
    ("http://help.example.com/index.html", "http://help.example.com/index.html", True),
    ("http://help.example.com/index.html", "http://help.example.com/logo.html", False),
    ("http://*.help.example.com", "http://example.help.example.com/index.html", True),
    ("http://*.help.example.com", "http://help.example.com/index.html", False),
    ("HTTP://WWW.Example.com", "http://www.example.COM/a", True),  # case-insensitive
    ("www.example.com/a.b", "http://www.example.com/aXb", False),  # a dot is a dot
]


@pytest.mark.parametrize("rule, referer, allowed", ALLOW_CASES)
def test_allow_list_matches_as_oss_documents(rule, referer, allowed):
    assert RefererRule(allow=(rule,)).admits(referer) is allowed


def test_deny_wins_over_allow_and_empty_referers_follow_allow_empty():
    rule = RefererRule(allow=("*.example.com",), deny=("*.bad.example.com",))
    assert rule.admits("https://www.example.com/")
    assert not rule.admits("https://x.bad.example.com/")
    assert rule.admits("")  # allowed by default
    assert not RefererRule(allow=("*.example.com",), allow_empty=False).admits("")
    # No allow list: refusing empty referers has no effect, as OSS documents.
    assert RefererRule(allow_empty=False).admits("")
    assert RefererRule(deny=("evil.com",)).admits("https://good.com")


def test_the_query_string_is_cut_off_unless_told_otherwise():
    referer = "https://other.com/page?from=www.example.com"
    assert not RefererRule(allow=("*www.example.com",)).admits(referer)
    assert RefererRule(allow=("*www.example.com",), truncate_query=False).admits(referer)


# The template's viewer-request function, run by node on the same cases --------------------------


def viewer_function(params: dict) -> str:
    """The CloudFront Function's code with the template's !Sub variables filled in."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, tag, node: None)
    text = (ROOT / "template.yaml").read_text()
    block = re.search(r"FunctionCode: !Sub\n        - \|\n(.*?)\n        - OssSignedFlag", text, re.S).group(1)
    code = "\n".join(line[10:] for line in block.splitlines())
    return re.sub(r"\$\{(\w+)\}", lambda m: str(params[m.group(1)]), code)


def run_viewer(params: dict, events: list[dict]) -> list[dict]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the CloudFront Function is checked where it is")
    script = viewer_function(params) + (
        "\nvar events = " + json.dumps(events) + ";\n"
        "console.log(JSON.stringify(events.map(function (e) { return handler(e); })));\n"
    )
    result = subprocess.run([node, "-e", script], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def edge_params(**overrides) -> dict:
    params = {
        "RefererAllow": "",
        "RefererDeny": "",
        "RefererAllowEmpty": "true",
        "RefererTruncateQuery": "true",
        "AutoFormat": "false",
        "OssSignedFlag": "false",
        "BucketName": "photos",
    }
    return {**params, **overrides}


def viewer_event(referer: str | None = None, query: dict | None = None, headers: dict | None = None) -> dict:
    all_headers = {name: {"value": value} for name, value in (headers or {}).items()}
    if referer is not None:
        all_headers["referer"] = {"value": referer}
    return {
        "context": {"requestId": "req-1"},
        "request": {
            "method": "GET",
            "uri": "/a.jpg",
            "headers": all_headers,
            "querystring": {k: {"value": v} for k, v in (query or {}).items()},
        },
    }


def test_the_edge_function_decides_every_referer_as_the_function_does():
    cases = [(RefererRule(allow=(rule,)), rule, "", referer) for rule, referer, _ in ALLOW_CASES] + [
        (RefererRule(allow=("*.example.com",), deny=("*.bad.example.com",)), "*.example.com", "*.bad.example.com", r)
        for r in ("https://www.example.com/", "https://x.bad.example.com/", "")
    ]
    for rule, allow, deny, referer in cases:
        (reply,) = run_viewer(edge_params(RefererAllow=allow, RefererDeny=deny), [viewer_event(referer)])
        assert ("statusCode" not in reply) is rule.admits(referer), (allow, deny, referer)
    for allow_empty in ("true", "false"):
        for truncate in ("true", "false"):
            rule = RefererRule(("www.example.com",), (), allow_empty == "true", truncate == "true")
            params = edge_params(
                RefererAllow="www.example.com", RefererAllowEmpty=allow_empty, RefererTruncateQuery=truncate
            )
            for referer in ("", "https://x.com/?u=www.example.com", "https://www.example.com/?q=1"):
                (reply,) = run_viewer(params, [viewer_event(referer)])
                assert ("statusCode" not in reply) is rule.admits(referer), (allow_empty, truncate, referer)


def test_the_edge_function_answers_oss_error_and_reduces_unsigned_queries():
    params = edge_params(RefererAllow="*.example.com", OssSignedFlag="true")
    refused, unsigned, url_signed, header_signed, anonymous_header = run_viewer(
        params,
        [
            viewer_event("https://evil.com/"),
            viewer_event("https://www.example.com/", {"x-oss-process": "image/resize,w_10", "utm": "1"}),
            viewer_event("https://www.example.com/", {"x-oss-process": "image/resize,w_10", "OSSAccessKeyId": "k"}),
            viewer_event("https://evil.com/", {"style": ""}, {"authorization": "OSS k:s"}),
            viewer_event(None, {"b": "1"}),
        ],
    )
    assert refused["statusCode"] == 403 and refused["headers"]["x-oss-ec"]["value"] == "0003-00000503"
    error = re.search(r"<Code>(\w+)</Code>.*<BucketName>(\w+)</BucketName>", refused["body"]["data"], re.S)
    assert error.groups() == ("AccessDenied", "photos")
    assert unsigned["querystring"] == {"x-oss-process": {"value": "image/resize,w_10"}}  # one cache entry
    assert set(url_signed["querystring"]) == {"x-oss-process", "OSSAccessKeyId"}  # the signature covers them
    assert "statusCode" not in header_signed  # OSS skips Referer for header signatures, the function checks it
    assert anonymous_header["querystring"] == {}
    (fake,) = run_viewer(edge_params(RefererAllow="*.example.com"), [header_signed_event()])
    assert fake["statusCode"] == 403  # without OSS signatures the header is not in the cache key: no bypass


def header_signed_event() -> dict:
    return viewer_event("https://evil.com/", {}, {"authorization": "OSS k:s"})


def test_the_edge_function_keeps_accept_to_three_values():
    events = [viewer_event(None, None, {"accept": a}) for a in ("image/avif,image/webp,*/*", "image/webp", "*/*")]
    replies = run_viewer(edge_params(AutoFormat="true"), events)
    assert [r["headers"]["accept"]["value"] for r in replies] == ["image/avif", "image/webp", ""]


# Through handle --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def source():
    return MemorySource({"a.jpg": sample("example.jpg"), "_styles/small": b"image/resize,w_20"})


def get(source, settings: Settings, process=None, headers=None, key="a.jpg"):
    req = ImageRequest("GET", key, process, headers or {}, "r", (("x-oss-process", process),) if process else ())
    return handle(req, settings._replace(bucket="photos"), Backends(source, StyleStore(source, "_styles/", 60)))


def test_protected_suffixes_serve_styles_only(source):
    settings = Settings(protected_suffixes=(".jpg",), style_delimiters=("!",))
    original, free_form = get(source, settings), get(source, settings, "image/resize,w_20")
    for refused in (original, free_form):
        assert refused.status == 403 and b"can be only accessed using style" in refused.body
    assert get(source, settings, "style/small").status == 200
    assert get(source, settings, key="a.jpg!small").status == 200  # the delimiter form
    assert get(source, Settings(protected_suffixes=(".png",))).status == 200


@pytest.mark.parametrize(
    "key, suffixes, covered",
    [
        ("a.JPG", (".jpg",), True),
        ("a.jpg", ("jpg",), True),  # the dot may be left out
        ("a.jpeg", (".jpg",), False),
        ("dir.jpg/a", (".jpg",), False),
        ("anything", ("*",), True),
    ],
)
def test_protected_suffix_matching(key, suffixes, covered):
    assert protected(key, suffixes) is covered


def test_private_acl_refuses_anonymous_reads(source):
    refused = get(source, Settings(source_acl="private"), "image/resize,w_20")
    error = xml_error(refused)
    assert refused.status == 403 and error["Code"] == "AccessDenied" and error["EC"] == "0003-00000001"


def test_referer_rules_apply_to_direct_requests(source):
    settings = Settings(referer=RefererRule(allow=("*.example.com",)))
    assert get(source, settings, headers={"referer": "https://www.example.com/p"}).status == 200
    refused = get(source, settings, headers={"referer": "https://evil.com/"})
    error = xml_error(refused)
    assert refused.status == 403 and error["EC"] == "0003-00000503" and error["BucketName"] == "photos"
    assert error["Message"] == "You are denied by bucket referer policy."


def test_requests_the_cdn_brought_leave_referer_to_the_edge(source):
    settings = Settings(referer=RefererRule(allow=("*.example.com",)), origin_verify="s3cret")
    via_cdn = get(source, settings, headers={"referer": "https://evil.com/", "x-origin-verify": "s3cret"})
    assert via_cdn.status == 200  # the CloudFront Function already decided, before the cache
    direct = get(source, settings._replace(direct_access=True), headers={"referer": "https://evil.com/"})
    assert direct.status == 403 and xml_error(direct)["EC"] == "0003-00000503"
    assert get(source, settings, headers={"referer": "https://www.example.com/"}).status == 403  # no CDN header
