"""Every EC the service sends, through the handler: status, Code and EC read from OSS's XML body,
the `x-oss-ec` header and the RecommendDoc link. Parameter codes are generated from the actions'
own declarations, so a parameter added with an EC is covered without touching this file."""

import base64

import pytest

from conftest import xml_error
from ossimg.core.actions import REGISTRY


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


# What an action needs besides the parameter under test for the request to reach that parameter.
CONTEXT = {"watermark": f"text_{b64('Hi')}", "blur": "r_3,s_2", "crop": "w_10,h_10", "indexcrop": "x_100"}
NOT_VALID = {"int": "zz", "enum": "zz", "hex": "zz", "b64": "!!", "embedded": "!!"}


def declared_cases():
    for name, action in REGISTRY.items():
        if action.missing_ec:
            yield f"{name}", action.missing_ec
        if action.value and action.value.ec:
            yield f"{name},zz", action.value.ec
        if action.bare_value_ec:
            yield f"{name},90", action.bare_value_ec
        for param in action.params:
            if not param.ec:
                continue
            context = CONTEXT.get(name, "")
            if param.name == "p" and name == "blur":
                context = "g_face"  # p is blur's face-box scale: checked with g_face
            if name == "indexcrop" and param.name == "x":
                context = ""
            parts = [name] + [c for c in context.split(",") if c and not c.startswith(param.name + "_")]
            yield ",".join([*parts, f"{param.name}_{NOT_VALID[param.kind]}"]), param.ec


@pytest.mark.parametrize("process, ec", list(declared_cases()))
def test_every_declared_parameter_code(get, process, ec):
    reply = get("/example.jpg", f"x-oss-process=image/{process}")
    assert_error(reply, 400, ("InvalidArgument", "MissingArgument"), ec)


def assert_error(reply, status: int, codes: tuple[str, ...], ec: str | None):
    fields = xml_error(reply)
    assert (reply.status, fields.get("EC")) == (status, ec), fields
    assert fields["Code"] in codes, fields
    if ec:
        assert reply.headers["x-oss-ec"] == ec
        assert fields["RecommendDoc"] == f"https://api.aliyun.com/troubleshoot?q={ec}"
    else:
        assert "x-oss-ec" not in reply.headers and "RecommendDoc" not in fields


DAMAGED = {"bad.webp": "example.webp", "bad.heic": "example.heic", "bad.avif": "example.avif"}


@pytest.fixture(scope="module")
def damaged_objects(s3, objects):
    from conftest import BUCKET

    for key, source in DAMAGED.items():
        data = objects[source][0]
        s3.put_object(Bucket=BUCKET, Key=f"errors/{key}", Body=data[: len(data) // 2])


# (key, process, limits changed, status, Code, EC): the source, the limits and the resources.
CASES = [
    ("example.jpg", "resize,w_100", {"max_source_bytes": 1000}, 400, "ImageTooLarge", "0040-00000001"),
    ("notes/readme.txt", "resize,w_100", {}, 400, "BadRequest", "0040-00000005"),
    ("example.jpg", "rotate,90", {"max_rotate_side": 399}, 400, "ImageTooLarge", "0040-00000006"),
    ("example.jpg", "resize,w_300", {"max_resize_side": 299}, 400, "ImageTooLarge", "0040-00000007"),
    ("example.png", "resize,w_100", {"max_source_side": 300}, 400, "ImageTooLarge", "0040-00000009"),
    ("errors/bad.webp", "resize,w_100", {}, 400, "BadRequest", "0040-00000010"),
    ("example.jpg", "resize,w_100/format,webp", {"max_webp_side": 399}, 400, "ImageTooLarge", "0040-00000011"),
    ("example.jpg", "resize,w_100", {"max_source_pixels": 1000}, 400, "ImageTooLarge", "0040-00000012"),
    ("example.heic", "resize,w_100", {"max_source_side": 300}, 400, "ImageTooLarge", "0040-00000013"),
    ("example.avif", "resize,w_100", {"max_source_side": 300}, 400, "ImageTooLarge", "0040-00000014"),
    ("example.jpg", "resize,w_100/format,avif", {"max_avif_pixels": 99}, 400, "ImageTooLarge", "0040-00000014"),
    ("example.bmp", "resize,w_100", {"max_source_side": 300}, 400, "ImageTooLarge", "0040-00000017"),
    ("example.tiff", "resize,w_100", {"max_source_side": 300}, 400, "ImageTooLarge", "0040-00000018"),
    ("example.jpg", "resize,w_100", {"max_source_side": 300}, 400, "ImageTooLarge", "0040-00000019"),
    ("errors/bad.heic", "resize,w_100", {}, 400, "BadRequest", "0040-00000020"),
    ("errors/bad.avif", "resize,w_100", {}, 400, "BadRequest", "0040-00000021"),
    ("missing.jpg", "resize,w_100", {}, 404, "NoSuchKey", "0040-00000024"),
    ("example.jpg", f"watermark,image_{b64('nope.png')}", {}, 400, "WatermarkError", "0040-00000025"),
    ("example.jpg", f"watermark,image_{b64('notes/readme.txt')}", {}, 400, "WatermarkError", "0040-00000027"),
    ("example.jpg", "rotate,90,180", {}, 400, "InvalidArgument", "0040-00000203"),
    ("example.jpg", "", {}, 400, "MissingArgument", "0040-00000212"),
    ("example.jpg", "resize_w_100", {}, 400, "InvalidArgument", "0040-00000213"),
    ("example.jpg", "resize,w_0,h_0", {}, 400, "InvalidArgument", "0040-00000321"),
    ("example.jpg", f"watermark,text_{b64('字' * 22)}", {}, 400, "InvalidArgument", "0040-00000259"),
    ("example.jpg", "watermark,text_", {}, 400, "InvalidArgument", "0040-00000258"),
    ("example.jpg", "watermark,text", {}, 400, "InvalidArgument", "0040-00000258"),  # named, no value
    ("example.jpg", f"watermark,image_{b64('panda.png?x-oss-process=image/watermark,text_SGk')}", {}, 400,
     "InvalidArgument", "0040-00000373"),
    ("example.jpg", f"watermark,image_{b64('panda.png?x-oss-process=image/info')}", {}, 400, "InvalidArgument",
     "0040-00000374"),
    # No EC page covers these: the body carries none rather than an invented one.
    ("example.gif", "rounded-corners,r_10", {}, 400, "InvalidArgument", None),
    ("example.jpg", "info/resize,w_10", {}, 400, "InvalidArgument", None),
    ("example.jpg", "crop,x_500,w_10", {}, 400, "BadRequest", None),
]  # fmt: skip


@pytest.mark.parametrize("key, process, limits, status, code, ec", CASES)
def test_source_limit_and_resource_codes(get, damaged_objects, monkeypatch, key, process, limits, status, code, ec):
    import app

    monkeypatch.setattr(app, "SETTINGS", app.SETTINGS._replace(limits=app.SETTINGS.limits._replace(**limits)))
    reply = get(f"/{key}", f"x-oss-process=image/{process}")
    assert_error(reply, status, (code,), ec)
