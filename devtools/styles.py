"""`make style NAME=... CONTENT=...` and `make styles`: manage styles in the configured bucket.

With `make run` serving, they use its embedded S3 and bucket with no settings. Otherwise they
use SOURCE_BUCKET, STYLE_PREFIX and boto3's usual configuration (AWS_ENDPOINT_URL_S3 for an
S3-compatible store).
"""

from __future__ import annotations

import os
import sys

from ossimg.core.errors import OssError
from ossimg.service.styles.store import StyleStore
from ossimg.stores.s3 import S3Source

from .local import NOT_RUNNING, attach

DEFAULT_PREFIX = "_styles/"
SAMPLE_STYLES = {
    "thumb": "image/resize,m_fill,w_100,h_100",
    "small": "image/resize,w_200/quality,q_80",
    "avatar": "image/resize,m_fill,w_200,h_200/circle,r_100/format,png",
    "web": "image/resize,l_800/format,webp",
}


def store(client, bucket: str, prefix: str = DEFAULT_PREFIX) -> StyleStore:
    return StyleStore(S3Source(bucket, client), prefix, ttl=0)


def put_style(client, bucket: str, name: str, content: str, prefix: str = DEFAULT_PREFIX) -> None:
    """Store a style by the rules the style API applies (name, content, grammar, 50 per bucket)."""
    store(client, bucket, prefix).put(name, content)


def list_styles(client, bucket: str, prefix: str = DEFAULT_PREFIX) -> dict[str, str]:
    return {style.name: style.content for style in store(client, bucket, prefix).all()}


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
