"""`make invoke EVENT=events/<file>.json`: run app.handler on one event against the embedded S3.

Prints the status, the headers and the decoded body's size, and writes the body to out/.
"""

from __future__ import annotations

import base64
import json
import mimetypes
import os
import sys
from pathlib import Path

from . import local
from .events import FakeContext
from .s3 import start_embedded_s3


def main(path: str) -> int:
    event = json.loads(Path(path).read_text())
    local.quiet()
    if not os.environ.get("AWS_ENDPOINT_URL_S3"):
        start_embedded_s3()
    import app

    result = app.handler(event, FakeContext())
    headers = dict(result.get("headers") or {})
    headers.update({k: ", ".join(v) for k, v in (result.get("multiValueHeaders") or {}).items()})
    raw = result.get("body") or ""
    body = base64.b64decode(raw) if result.get("isBase64Encoded") else raw.encode()
    print(f"status: {result['statusCode']}")
    for name, value in sorted(headers.items()):
        print(f"{name}: {value}")
    ctype = headers.get("Content-Type", "application/octet-stream").split(";")[0]
    ext = {"image/jpeg": ".jpg", "application/xml": ".xml"}.get(ctype) or mimetypes.guess_extension(ctype) or ".bin"
    out = Path("out") / (Path(path).stem + ext)
    out.parent.mkdir(exist_ok=True)
    out.write_bytes(body)
    print(f"body: {len(body)} bytes -> {out}")
    return 0 if result["statusCode"] < 500 else 1


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m devtools.invoke EVENT.json")
    sys.exit(main(sys.argv[1]))
