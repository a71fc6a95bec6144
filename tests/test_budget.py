"""No request can exhaust the function: huge images within OSS's limits, each run in a child
process whose own peak RSS (os.wait4) must stay under the template's MemorySize, answering 200 or
the documented 4xx; and the cost model's estimate checked against what the child really used.

`make test` runs one case per action family; `make stress` runs the whole matrix.
"""

from __future__ import annotations

import pytest

from devtools import huge
from devtools.memory import measure
from ossimg.core.budget.costs import MB, Budget, Estimate

MEMORY_MB = 1769  # the template's default MemorySize
LAMBDA = {"MEMORY_LIMIT_MB": str(MEMORY_MB), "DEADLINE_SECONDS": "26.5"}  # 28 s less the margin
W, H = 15000, 16000  # 240 MP: within every OSS limit (30,000 a side, 250 MP)
REFUSED = {"ImageTooLarge"}  # the budget's MemLimitExceeded / TimeLimitExceeded, the rotation limit


@pytest.fixture(scope="session")
def sources(tmp_path_factory):
    """240 MP sources of every format, made on first use and shared by the session."""
    folder = tmp_path_factory.mktemp("huge")
    makers = {
        "rgb.png": lambda p: huge.png(p, W, H, "RGB"),
        "rgba.png": lambda p: huge.png(p, W, H, "RGBA"),
        "p.png": lambda p: huge.png(p, W, H, "P"),
        "jpg": lambda p: huge.jpeg(p, W, H),
        "gif": lambda p: huge.gif(p, W, H),
        "bmp": lambda p: huge.bmp(p, W, H),
        "tiff": lambda p: huge.tiff(p, W, H),
        "rgba.tiff": lambda p: huge.tiff(p, W, H, "RGBA"),
        "jpeg.tiff": lambda p: huge.jpeg_tiff(p, W, H),  # decoded as one joined JPEG
        "webp": lambda p: huge.webp(p, W, H),
        "anim": lambda p: huge.gif(p, 500, 500, frames=999),  # 250 MP in frames
        "anim_big": lambda p: huge.gif(p, 5000, 5000, frames=9),
    }
    made = {}

    def source(name):
        if name not in made:
            made[name] = makers[name](folder / f"source-{name.replace('.', '-')}")
        return made[name]

    return source


def within_budget(result, expect_ok: bool | None = None):
    assert result.peak_mb < MEMORY_MB, f"peak {result.peak_mb:.0f} MB: Lambda would have killed this request"
    assert result.status == 200 or (result.status == 400 and result.code in REFUSED), result
    if expect_ok is not None:
        assert (result.status == 200) == expect_ok, result.message
    if result.status == 200:
        # The model must not under-estimate, nor refuse what fits by a wide margin.
        assert result.estimate_mb >= result.peak_mb * 0.98, (result.estimate_mb, result.peak_mb)
        assert result.estimate_mb <= 2 * result.peak_mb + 64, (result.estimate_mb, result.peak_mb)


@pytest.mark.parametrize("name", ["rgb.png", "jpg", "gif", "bmp", "tiff", "webp"])
def test_the_header_alone_is_read_before_the_limits(sources, name):
    """info and a refused rotation read the header only: no pixel of 240 MP is decoded."""
    for process in ("image/info", "image/rotate,90"):
        result = measure(sources(name), process, LAMBDA)
        assert result.peak_mb < 60, f"{process}: {result.peak_mb:.0f} MB"
        assert result.status == (200 if process == "image/info" else 400)


FAMILIES = [  # (source, process, succeeds): one per action family in make test
    ("rgb.png", "image/resize,w_1000", True),
    ("rgba.png", "image/crop,w_15000,h_15000/resize,w_1000", True),
    ("jpg", "image/crop,w_1000,h_1000,g_center", True),
    ("tiff", "image/indexcrop,y_1000,i_3", True),
    ("jpeg.tiff", "image/resize,w_1000", True),  # strips joined into a JPEG, decoded at 1/8 scale
    ("gif", "image/format,jpg/quality,q_80", None),  # a flat image fits the response; a photo would not
    ("webp", "image/average-hue", True),
    ("bmp", "image/bright,50/resize,w_800", None),  # in place, strip by strip; refused if too slow
    ("rgb.png", "image/rounded-corners,r_100/resize,w_1000", False),  # RGB -> RGBA: two full images
    ("anim", "image/resize,w_200", True),  # 999 frames, each decoded, resized and let go in turn
    ("jpg", "image/crop,g_face,w_2000,h_2000", True),  # faces looked for on a 1/8-scale probe first
]


@pytest.mark.parametrize("name, process, succeeds", FAMILIES)
def test_each_action_family_stays_within_the_function(sources, name, process, succeeds):
    within_budget(measure(sources(name), process, LAMBDA), succeeds)


STRESS = [
    (name, process)
    for name in ("rgb.png", "rgba.png", "p.png", "jpg", "gif", "bmp", "tiff", "rgba.tiff", "jpeg.tiff", "webp")
    for process in (
        "image/resize,w_1000",
        "image/resize,m_fill,w_2000,h_2000",
        "image/crop,w_15000,h_15000/resize,w_1000",
        "image/crop,w_2000,h_2000,g_center",
        "image/indexcrop,x_3000,i_2",
        "image/blur,r_10,s_5/resize,w_500",
        "image/sharpen,100/resize,w_500",
        "image/contrast,-50/resize,w_500",
        "image/rounded-corners,r_100/resize,w_1000",
        "image/circle,r_4096",
        "image/watermark,text_SGVsbG8,fill_1/resize,w_500",
        "image/format,png",
        "image/format,webp",
        "image/quality,q_80",
        "image/average-hue",
        "image/info",
        "image/crop,g_auto/resize,w_500",  # a probe decoded (whole, where the format cannot scale) first
        "image/blur,r_10,s_5,g_faces/resize,w_500",
    )
    if not (name == "gif" and process.startswith("image/rounded-corners"))  # OSS refuses it on GIFs: a 400
]


STRESS += [
    (name, process)
    for name in ("anim", "anim_big")
    for process in (
        "image/resize,w_200",
        "image/crop,w_400,h_400",
        "image/watermark,text_SGVsbG8",
        "image/format,webp",
        "image/blur,r_5,s_2",  # a still of the first frame
    )
]


@pytest.mark.stress
@pytest.mark.parametrize("name, process", STRESS)
def test_the_worst_cases_answer_within_the_function(sources, name, process):
    within_budget(measure(sources(name), process, LAMBDA, timeout=300))


# The budget itself, in process.


def test_over_budget_is_a_400_that_says_by_how_much(monkeypatch):
    monkeypatch.setattr("ossimg.core.budget.costs.resident_bytes", lambda: 100 * MB)
    monkeypatch.setattr("ossimg.core.budget.costs.reusable_bytes", lambda: 0)
    estimate = Estimate()
    estimate.step("decode", 2000 * MB, 0, 0)
    with pytest.raises(Exception) as refused:
        Budget(1769).check(estimate, None)
    err = refused.value
    assert (err.status, err.code, err.ec) == (400, "ImageTooLarge", "0040-00000012")
    assert err.message.startswith("MemLimitExceeded: this request needs about 2,117 MB")
    assert "the function has 1,621 MB free (MemorySize 1769 MB)" in err.message


def test_over_time_is_a_400_and_an_expired_deadline_a_503(monkeypatch):
    from conftest import render as render_chain
    from ossimg.core.budget.deadline import Deadline

    estimate = Estimate()
    estimate.step("blur", MB, 0, 60e9)  # a minute of work
    with pytest.raises(Exception) as refused:
        Budget(1769).check(estimate, 26.5)
    assert refused.value.status == 400 and refused.value.message.startswith("TimeLimitExceeded: ")
    from conftest import sample
    from ossimg.core.grammar import parse
    from ossimg.core.pipeline import Job, render

    with pytest.raises(Exception) as late:
        render(sample("example.jpg"), parse("image/resize,w_10"), Job(deadline=Deadline.after(-1), budget=Budget(1769)))
    assert late.value.status == 503
    assert render_chain(sample("example.jpg"), "image/resize,w_10").body  # without a budget: no check


def test_the_budget_comes_from_the_lambda_context(s3, monkeypatch):
    """The context's memory_limit_in_mb, not the default, decides what is refused."""
    import app
    from conftest import to_reply
    from devtools.events import FakeContext, rest_event

    class SmallContext(FakeContext):
        memory_limit_in_mb = "16"  # a string, as Lambda gives it; less than the process holds: nothing decodes

    event = rest_event("GET", "/example.jpg", "x-oss-process=image/resize,w_100")
    reply = to_reply(app.handler(event, SmallContext()))
    assert reply.status == 400 and "MemLimitExceeded" in reply.text and "MemorySize 16 MB" in reply.text
    assert to_reply(app.handler(event, FakeContext())).status == 200
