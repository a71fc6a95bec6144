"""`make cold-start`: the cold start of the artifact `sam build` made, as Lambda starts it.

Each run is a new emulated execution environment (devtools/arm64: aarch64 CPython 3.13 under
qemu-user, /var/task and /opt read-only, so no bytecode can be written at run time) whose runtime
client initialises the function and answers one small request: init (Lambda's Init Duration)
and init + that request. Three variants, alternating, the median of each:
- as built: the bytecode the build ships;
- without bytecode: the same artifact with every __pycache__ removed, so each module is compiled
  at every cold start (what a build without the compile step would deploy);
- the floor: a process that only imports Pillow and creates the boto3 S3 client, on the same
  search path (the least any Python image function pays).
qemu runs Python some 15-25 times slower than this machine does natively, so the seconds are
the emulator's; the ratios between the variants are the figures to read.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from devtools import layer_check, local
from devtools.arm64.runtime import Function, configuration
from devtools.events import rest_event
from devtools.s3 import start_embedded_s3

RUNS = int(os.environ.get("COLD_RUNS", "3"))
REQUEST = rest_event("GET", "/example.jpg", "x-oss-process=image/resize,w_100")
TIMEOUT_S = 600


def stripped(folder: Path, into: Path) -> Path:
    """A copy of `folder` (hard links: nothing is written twice) without its bytecode."""
    shutil.copytree(folder, into, copy_function=os.link)
    for cache in list(into.rglob("__pycache__")):
        shutil.rmtree(cache)
    return into


def cold_start(environment: dict, log: Path, **options) -> tuple[float, float]:
    """(init, init + first request) in seconds, for one new execution environment."""
    with Function(environment, log, **options) as function:
        outcome = function.invoke(REQUEST, TIMEOUT_S)
        assert outcome.kind == "response" and outcome.payload["statusCode"] == 200, function.output()[-2000:]
        return function.api.init_seconds, time.monotonic() - function.api.started


def floor(environment: dict, log: Path) -> float:
    with Function(environment, log, script="/var/runtime/floor.py") as function:
        function.process.wait(timeout=TIMEOUT_S)
        assert function.process.returncode == 0, function.output()[-2000:]
        return time.monotonic() - function.api.started


def main() -> int:
    local.quiet()
    server = start_embedded_s3()
    environment = configuration()
    layers = list(layer_check.built_layers().values())
    results: dict[str, list] = {"as built": [], "without bytecode": [], "floor": []}
    with tempfile.TemporaryDirectory(dir=layer_check.BUILD.parent) as scratch:
        scratch = Path(scratch)
        bare_task = stripped(layer_check.BUILD / "ImageFunction", scratch / "ImageFunction")
        bare_layers = [stripped(layer, scratch / f"layer{i}") for i, layer in enumerate(layers)]
        log = scratch / "function.log"
        for run in range(RUNS):
            results["as built"].append(cold_start(environment, log))
            results["without bytecode"].append(cold_start(environment, log, task=bare_task, layers=bare_layers))
            results["floor"].append((floor(environment, log),) * 2)
            print(f"run {run + 1}/{RUNS}: " + ", ".join(f"{k} {v[-1][1]:.1f} s" for k, v in results.items()))
    server.stop()
    medians = {name: [statistics.median(r[i] for r in runs) for i in (0, 1)] for name, runs in results.items()}
    base = medians["floor"][1]
    print(f"\nCold start of the deployed artifact, emulated (median of {RUNS}):\n")
    print("| variant | init s | init + first request s | / floor |")
    print("|---|---|---|---|")
    for name, (init, total) in medians.items():
        print(f"| {name} | {init:.2f} | {total:.2f} | {total / base:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
