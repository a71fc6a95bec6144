"""Deadlines: processing stops between actions and frames with a clean 503 before Lambda's timeout."""

import pytest

from conftest import sample, to_reply
from devtools.events import FakeContext, rest_event
from ossimg.core.budget.deadline import Deadline
from ossimg.core.budget.limits import Limits
from ossimg.core.errors import OssError
from ossimg.core.grammar import parse
from ossimg.core.pipeline import Job, render


class Ticks:
    """A clock that advances one second each time it is read."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        self.now += 1
        return self.now


def render_with(data: bytes, process: str, seconds: float):
    clock = Ticks()
    return render(data, parse(process), Job(Limits(), deadline=Deadline.after(seconds, clock))), clock


def test_a_generous_deadline_changes_nothing():
    rendered, _ = render_with(sample("example.jpg"), "image/resize,w_100/rotate,90/blur,r_2,s_2", 100)
    assert rendered.content_type == "image/jpeg"


@pytest.mark.parametrize("seconds", [0.5, 1.5, 2.5])
def test_work_stops_between_actions(seconds):
    with pytest.raises(OssError) as caught:
        render_with(sample("example.jpg"), "image/resize,w_100/rotate,90/blur,r_2,s_2/sharpen,100", seconds)
    assert (caught.value.status, caught.value.code) == (503, "ServiceUnavailable")


def test_work_stops_between_frames():
    clock = Ticks()
    with pytest.raises(OssError):
        render(sample("example.gif"), parse("image/resize,w_100"), Job(deadline=Deadline.after(2.5, clock)))
    assert clock.now <= 4  # stopped at the second frame, not after all of them


class HurriedContext(FakeContext):
    def get_remaining_time_in_millis(self) -> int:
        return 1000  # less than the 1,500 ms margin: no time left to work


def test_the_handler_answers_503_when_the_time_is_up(s3):
    import app

    reply = to_reply(
        app.handler(rest_event("GET", "/example.jpg", "x-oss-process=image/resize,w_100"), HurriedContext())
    )
    assert reply.status == 503 and b"<Code>ServiceUnavailable</Code>" in reply.body
    assert reply.headers["Cache-Control"] == "no-store"
    assert (
        to_reply(
            app.handler(rest_event("GET", "/example.jpg", "x-oss-process=image/resize,w_100"), FakeContext())
        ).status
        == 200
    )
