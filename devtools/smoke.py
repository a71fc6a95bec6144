"""`make smoke URL=https://<distribution> KEY=<an image in the bucket>`: is a deployment answering right?

Four requests through the URL (a CloudFront distribution, or `make run`): a resize decoded and
measured, `info`, a bad parameter answered with OSS's XML error and EC, and a HEAD. A second
identical resize shows whether the CDN cached the first (CloudFront's X-Cache header).
"""

from __future__ import annotations

import io
import json
import sys
import urllib.error
import urllib.request
from urllib.parse import quote

from PIL import Image


def fetch(url: str, method: str = "GET") -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, method=method, headers={"User-Agent": "oss-image-smoke"})
    try:
        with urllib.request.urlopen(request, timeout=35) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()


def checks(base: str, key: str):
    """(description, passed, detail) for each request."""
    url = f"{base.rstrip('/')}/{quote(key)}?x-oss-process="
    status, headers, body = fetch(url + "image/resize,w_16,limit_0")
    size = Image.open(io.BytesIO(body)).size if status == 200 else None
    yield "resize,w_16 is a 16 px wide image", status == 200 and size[0] == 16, f"{status} {size}"
    status, _, body = fetch(url + "image/info")
    info = json.loads(body) if status == 200 else {}
    yield "info is OSS's JSON", "ImageWidth" in info, f"{status} {info.get('ImageWidth', body[:120])}"
    status, headers, body = fetch(url + "image/resize,w_0")
    ec = headers.get("x-oss-ec")
    yield "resize,w_0 is OSS's 400 with its EC", status == 400 and ec == "0040-00000312", f"{status} EC {ec}"
    status, headers, body = fetch(url + "image/resize,w_16,limit_0", "HEAD")
    yield "HEAD has the headers and no body", status == 200 and body == b"", f"{status} {headers.get('content-length')}"
    _, headers, _ = fetch(url + "image/resize,w_16,limit_0")
    yield "the CDN cache (X-Cache)", True, headers.get("x-cache", "no X-Cache header: not CloudFront")


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.exit("usage: python -m devtools.smoke BASE_URL KEY   (make smoke URL=... KEY=...)")
    failed = 0
    try:
        for description, passed, detail in checks(*argv):
            print(f"{'ok  ' if passed else 'FAIL'} {description}: {detail}")
            failed += not passed
    except (urllib.error.URLError, OSError) as err:
        sys.exit(f"FAIL cannot reach {argv[0]}: {getattr(err, 'reason', err)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
