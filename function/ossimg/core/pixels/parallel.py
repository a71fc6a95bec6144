"""Strips of one image worked on at once. Pillow releases the GIL while it resamples and
filters, so bands of output rows made in threads finish together on as many CPUs as the
function has (one at Lambda's 1,769 MB, two from 3,538 MB; THREADS sets it, 0 = one per CPU).
With one worker everything runs in the caller's thread, exactly as before.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

Item = TypeVar("Item")
Result = TypeVar("Result")

_lock = threading.Lock()
_workers = 1
_pool: ThreadPoolExecutor | None = None


def cpus() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def configure(threads: int) -> None:
    """Use `threads` workers (0: one per CPU); the pool is made once and kept while the number stays."""
    global _workers, _pool
    wanted = threads if threads > 0 else cpus()
    with _lock:
        if wanted == _workers:
            return
        if _pool is not None:
            _pool.shutdown(wait=False)
        _workers, _pool = wanted, None


def workers() -> int:
    return _workers


def each(function: Callable[[Item], Result], items: Iterable[Item]) -> list[Result]:
    """[function(item) for item in items], on the workers, in order."""
    items = list(items)
    if _workers <= 1 or len(items) <= 1:
        return [function(item) for item in items]
    return list(_executor().map(function, items))


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            from concurrent.futures import ThreadPoolExecutor  # on the first split image, not at cold start

            _pool = ThreadPoolExecutor(_workers, thread_name_prefix="strip")
        return _pool


def ahead(function: Callable[[Item], Result], items: Iterable[Item]) -> Iterator[Result]:
    """function(item) for each item, in order, the next one made on a worker while the caller
    works on the one just yielded (a decoder reading rows while they are reduced). One worker:
    made in the caller's thread, one at a time."""
    items = list(items)
    if _workers <= 1 or len(items) <= 1:
        yield from (function(item) for item in items)
        return
    pool = _executor()
    pending = pool.submit(function, items[0])
    for index in range(len(items)):
        result = pending.result()
        if index + 1 < len(items):
            pending = pool.submit(function, items[index + 1])
        yield result
