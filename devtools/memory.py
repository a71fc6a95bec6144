"""One request in a child process, and the child's own peak RSS, as Lambda would see it.

    python -m devtools.memory FILE PROCESS      (the child: prints the answer as JSON)

The child runs the whole service path (request -> limits -> budget -> pipeline -> response)
on the file as the source object, with the function's memory taken from MEMORY_LIMIT_MB.

The peak is the child's VmHWM, the high-water mark of its own address space. os.wait4's
ru_maxrss would also count the parent's resident pages at the moment of exec (Linux records the
old address space's high-water mark there), so a big test runner would inflate every child.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Measured:
    status: int
    code: str
    ec: str
    message: str
    peak_mb: float
    seconds: float
    estimate_mb: float | None
    estimate_s: float | None = None


def measure(path: Path, process: str, env: dict | None = None, timeout: float = 120) -> Measured:
    """Run one request on `path` in a fresh child; its answer, peak RSS and wall time."""
    import tempfile
    import threading

    child_env = {**os.environ, "PYTHONPATH": f"{ROOT / 'function'}{os.pathsep}{ROOT}", **(env or {})}
    started = time.monotonic()
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(
            [sys.executable, "-m", "devtools.memory", str(path), process],
            cwd=ROOT,
            env=child_env,
            stdout=subprocess.PIPE,
            stderr=errors,
        )
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        out = proc.stdout.read()
        _, status, _ = os.wait4(proc.pid, 0)
        killer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        proc.stdout.close()
        errors.seek(0)
        if proc.returncode != 0:
            raise AssertionError(f"the child failed ({proc.returncode}):\n{errors.read().decode()[-3000:]}")
    answer = json.loads(out)
    return Measured(
        answer["status"],
        answer["code"],
        answer["ec"],
        answer["message"],
        answer["peak_kb"] / 1024,
        time.monotonic() - started,
        answer.get("estimate_mb"),
        answer.get("estimate_s"),
    )


def child(path: str, process: str) -> None:
    from ossimg.config import Settings
    from ossimg.core.budget.deadline import NO_DEADLINE, Deadline
    from ossimg.service.handle import Backends, handle
    from ossimg.service.request import ImageRequest
    from ossimg.stores.memory import MemorySource

    data = Path(path).read_bytes()
    source = MemorySource({"source": data})
    settings = Settings.from_env()
    seconds = os.environ.get("DEADLINE_SECONDS")
    deadline = Deadline.after(float(seconds)) if seconds else NO_DEADLINE
    reply = handle(ImageRequest("GET", "source", process), settings, Backends(source, None), deadline)
    code = ec = message = ""
    if reply.status >= 400:
        text = reply.body.decode()
        code = text.split("<Code>")[1].split("</Code>")[0]
        message = text.split("<Message>")[1].split("</Message>")[0]
        ec = reply.headers.get("x-oss-ec", "")
    estimate = reply.meta.get("estimate_mb")
    peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    answer = {"status": reply.status, "code": code, "ec": ec, "message": message, "estimate_mb": estimate}
    answer["estimate_s"] = reply.meta.get("estimate_s")
    print(json.dumps({**answer, "peak_kb": peak_kb}))


if __name__ == "__main__":
    child(sys.argv[1], sys.argv[2])
