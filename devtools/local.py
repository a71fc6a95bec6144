"""What the local tools share: quiet Powertools, and finding the S3 of a running `make run`.

`make run` writes its S3 endpoint and bucket to RUN_FILE while it serves, so `make style`,
`make styles` and other tools reach the same bucket with no settings copied by hand.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from urllib.parse import urlsplit

RUN_FILE = Path(os.environ.get("MAKE_RUN_FILE") or Path(__file__).resolve().parent.parent / ".make-run.json")
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}
NOT_RUNNING = (
    "No bucket to use: start `make run` in another terminal (its embedded S3 is found by itself), "
    "or set SOURCE_BUCKET (and AWS_ENDPOINT_URL_S3 for a store other than AWS)."
)


def quiet() -> None:
    """Local runs print their own lines: Powertools' JSON info logs and metric blobs stay off unless asked for."""
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")


def use_fake_credentials() -> None:
    for name, value in FAKE_CREDENTIALS.items():
        os.environ.setdefault(name, value)


def publish(endpoint: str, bucket: str, embedded: bool) -> None:
    RUN_FILE.write_text(json.dumps({"endpoint": endpoint, "bucket": bucket, "embedded": embedded, "pid": os.getpid()}))


def withdraw() -> None:
    try:
        if json.loads(RUN_FILE.read_text()).get("pid") == os.getpid():
            RUN_FILE.unlink()
    except (OSError, ValueError):
        pass


def running() -> dict | None:
    """The endpoint and bucket of a `make run` that is serving now, or None."""
    try:
        run = json.loads(RUN_FILE.read_text())
        address = urlsplit(run["endpoint"])
        with socket.create_connection((address.hostname, address.port or 80), timeout=1):
            return run
    except (OSError, ValueError, KeyError, TypeError):
        return None


def attach() -> bool:
    """Point boto3 at the running `make run`'s S3 unless a bucket is configured; False if there is none."""
    if os.environ.get("SOURCE_BUCKET"):
        return True
    run = running()
    if run is None:
        return False
    os.environ["AWS_ENDPOINT_URL_S3"] = run["endpoint"]
    os.environ["SOURCE_BUCKET"] = run["bucket"]
    if run.get("embedded"):
        use_fake_credentials()
    return True
