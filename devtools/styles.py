"""`make style NAME=... CONTENT=...` and `make styles`: manage styles in the configured bucket.

Uses SOURCE_BUCKET, STYLE_PREFIX and boto3's usual configuration (AWS_ENDPOINT_URL_S3 for an
S3-compatible store or `make run`'s embedded S3, whose address `make run` prints).
"""

from __future__ import annotations

import os
import sys

from ossimg.errors import OssError
from ossimg.grammar import parse
from ossimg.styles import check_content, check_name

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
    import boto3

    bucket = os.environ.get("SOURCE_BUCKET")
    if not bucket:
        sys.exit("Set SOURCE_BUCKET (and AWS_ENDPOINT_URL_S3 for a non-AWS store).")
    prefix = os.environ.get("STYLE_PREFIX") or DEFAULT_PREFIX
    client = boto3.client("s3")
    if argv[:1] == ["put"] and len(argv) == 3:
        try:
            put_style(client, bucket, argv[1], argv[2], prefix)
        except OssError as err:
            sys.exit(f"{err.code}: {err.message}")
        print(f"s3://{bucket}/{prefix}{argv[1]} = {argv[2]}")
    elif argv == ["list"]:
        for name, content in sorted(list_styles(client, bucket, prefix).items()):
            print(f"{name}\t{content}")
    else:
        sys.exit("usage: python -m devtools.styles put NAME CONTENT | list")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
