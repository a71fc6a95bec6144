"""A request's deadline: work stops cleanly, with a 503, before Lambda would kill it mid-request."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ..errors import OssError


class Deadline:
    def __init__(self, at: float | None = None, clock: Callable[[], float] = time.monotonic):
        self.at, self.clock = at, clock

    @classmethod
    def after(cls, seconds: float, clock: Callable[[], float] = time.monotonic) -> Deadline:
        return cls(clock() + seconds, clock)

    @classmethod
    def from_context(cls, context: Any, margin_ms: int) -> Deadline:
        """The Lambda context's remaining time, less a margin for encoding and sending the response."""
        remaining = getattr(context, "get_remaining_time_in_millis", None)
        return cls.after((remaining() - margin_ms) / 1000) if remaining else cls()

    def remaining(self) -> float | None:
        """Seconds left, or None without a deadline."""
        return None if self.at is None else self.at - self.clock()

    def allows(self, seconds: float) -> bool:
        """Whether `seconds` of work fit before the deadline."""
        return self.at is None or self.clock() + seconds <= self.at

    def check(self, reserve: float = 0.0) -> None:
        """503 past the deadline, or when less than `reserve` seconds are left."""
        if not self.allows(reserve):
            raise OssError(
                "ServiceUnavailable",
                "The image could not be processed in the time this function has; "
                "ask for a smaller size or a simpler chain, or raise the function's timeout.",
                503,
            )


NO_DEADLINE = Deadline()
