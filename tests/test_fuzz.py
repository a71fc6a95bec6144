"""Property-based tests: any process string and any bytes give a result or an OSS error, nothing else."""

import io

from hypothesis import assume, given
from hypothesis import strategies as st
from PIL import Image

from conftest import sample
from ossimg.core.actions import REGISTRY
from ossimg.core.actions.resize import geometry
from ossimg.core.errors import OssError
from ossimg.core.grammar import Chain, parse
from ossimg.core.pipeline import render
from ossimg.core.pixels.geometry import round_half_up

NAMES = sorted(REGISTRY) + ["style", "slim", "", "image"]
KEYS = ["w", "h", "l", "s", "p", "m", "x", "y", "g", "r", "i", "q", "Q", "t", "text", "image", "color", "limit"]
VALUES = st.one_of(
    st.integers(-5, 20000).map(str),
    st.sampled_from(["lfit", "mfit", "fill", "pad", "fixed", "se", "center", "FF0000", "", "abc", "0", "1"]),
    st.text(max_size=8),
)
ITEM = st.one_of(st.tuples(st.sampled_from(KEYS), VALUES).map("_".join), VALUES)
ACTION = st.tuples(st.sampled_from(NAMES), st.lists(ITEM, max_size=5)).map(lambda t: ",".join([t[0], *t[1]]))
PROCESS = st.one_of(
    st.text(max_size=200),
    st.lists(ACTION, min_size=0, max_size=4).map(lambda actions: "image/" + "/".join(actions)),
)


@given(PROCESS)
def test_any_process_string_parses_or_is_an_oss_error(process):
    try:
        chain = parse(process)
    except OssError as err:
        assert err.status == 400 and err.code and err.message
        return
    assert isinstance(chain, Chain) and chain.calls
    assert parse(chain.canonical).canonical == chain.canonical  # the normal form is stable


@given(PROCESS)
def test_any_process_string_on_a_real_image_renders_or_is_an_oss_error(process):
    try:
        rendered = render(SMALL, parse(process))
    except OssError as err:
        assert 400 <= err.status < 500
        return
    assert rendered.body


SMALL = sample("example.jpg")


SIDES = st.integers(1, 5000)


@given(SIDES, SIDES, st.sampled_from(["lfit", "mfit", "fixed", "fill", "pad"]), SIDES, SIDES, st.booleans())
def test_resize_arithmetic(W, H, m, w, h, limit):
    scaled, final = geometry((W, H), {"m": m, "w": w, "h": h, "limit": int(limit)})
    assert min(scaled) >= 1 and min(final) >= 1
    if limit:
        assert scaled[0] <= W and scaled[1] <= H  # limit_1 never enlarges
    if (scaled, final) == ((W, H), (W, H)):
        return  # limit_1 kept the source
    if m in ("fill", "pad", "fixed"):
        assert final == (w, h)
    if m == "fixed":
        assert scaled == (w, h)
        return
    # The aspect ratio is kept: one side is the box's, the other its exact value rounded half up.
    by_width = scaled[0] == w and scaled[1] == max(1, round_half_up(H * w, W))
    by_height = scaled[1] == h and scaled[0] == max(1, round_half_up(W * h, H))
    assert by_width or by_height
    if m in ("lfit", "pad"):
        assert scaled[0] <= w and scaled[1] <= h  # inside the box
    else:
        assert scaled[0] >= w and scaled[1] >= h  # covering it


@given(SIDES, SIDES, st.integers(1, 16384))
def test_one_sided_resize_keeps_the_ratio_and_the_named_side(W, H, w):
    scaled, _ = geometry((W, H), {"m": "lfit", "w": w, "limit": 0})
    assert scaled == (w, max(1, round_half_up(H * w, W)))


MAGIC = st.sampled_from(
    [b"", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"BM", b"RIFF\x00\x00\x00\x00WEBP", b"II*\x00"]
)


@given(MAGIC, st.binary(max_size=600))
def test_any_bytes_render_or_are_an_oss_error(magic, body):
    data = magic + body
    try:
        rendered = render(data, parse("image/resize,w_20"))
    except OssError as err:
        assert err.status == 400
        return
    Image.open(io.BytesIO(rendered.body)).load()


@given(st.binary(min_size=1, max_size=64), st.integers(0, len(SMALL) - 1))
def test_a_real_image_with_bytes_overwritten_renders_or_is_an_oss_error(patch, at):
    data = SMALL[:at] + patch + SMALL[at + len(patch) :]
    assume(data != SMALL)
    try:
        render(data, parse("image/resize,w_50/format,png"))
    except OssError as err:
        assert err.status == 400
