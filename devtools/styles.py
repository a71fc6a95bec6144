"""`make style NAME=... CONTENT=...` and `make styles`: manage styles in the configured bucket.

With `make run` serving, they use its embedded S3 and bucket with no settings. Otherwise they
use SOURCE_BUCKET, STYLE_PREFIX and boto3's usual configuration (AWS_ENDPOINT_URL_S3 for an
S3-compatible store).
"""

from __future__ import annotations

import os
import sys

from ossimg.core.errors import OssError
from ossimg.core.grammar import parse
from ossimg.service.styles import check_content, check_name

from .local import NOT_RUNNING, attach

DEFAULT_PREFIX = "_styles/"
SAMPLE_STYLES = {
    "thumb": "image/resize,m_fill,w_100,h_100",
    "small": "image/resize,w_200/quality,q_80",
    "avatar": "image/resize,m_fill,w_200,h_200/circle,r_100/format,png",
    "web": "image/resize,l_800/format,webp",
}


def put_style(client, bucket: str, name: str, content: str, prefix: str = DEFAULT_PREFIX) -> None:
    """Store a style after checking it the way requests will (name rules, content rules, grammar)."""
    check_name(name)
    check_content(content)
    parse(content)
    client.put_object(Bucket=bucket, Key=prefix + name, Body=content.encode(), ContentType="text/plain")


def list_styles(client, bucket: str, prefix: str = DEFAULT_PREFIX) -> dict[str, str]:
    styles = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            body = client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            styles[item["Key"][len(prefix) :]] = body.decode("utf-8", "replace").strip()
    return styles


def main(argv: list[str]) -> int:
    if not (argv[:1] == ["put"] and len(argv) == 3) and argv != ["list"]:
        sys.exit("usage: python -m devtools.styles put NAME CONTENT | list")
    if not attach():
        sys.exit(NOT_RUNNING)
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    bucket = os.environ["SOURCE_BUCKET"]
    prefix = os.environ.get("STYLE_PREFIX") or DEFAULT_PREFIX
    try:
        client = boto3.client("s3")
        if argv[0] == "put":
            put_style(client, bucket, argv[1], argv[2], prefix)
            print(f"s3://{bucket}/{prefix}{argv[1]} = {argv[2]}")
        else:
            for name, content in sorted(list_styles(client, bucket, prefix).items()):
                print(f"{name}\t{content}")
    except OssError as err:
        sys.exit(f"{err.code}: {err.message}")
    except (BotoCoreError, ClientError) as err:  # no credentials, no endpoint, no bucket: one line, not a stack
        sys.exit(f"S3 (bucket {bucket}): {err}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
