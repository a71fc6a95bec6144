"""The embedded S3 for local runs: moto's server on loopback, seeded with the samples."""

from __future__ import annotations

import os

from . import samples
from .local import use_fake_credentials
from .styles import SAMPLE_STYLES, put_style

OUTPUT_BUCKET = "oss-image-derived"
STORE_DERIVATIVES_MS = 200  # the template's default (see the README's costs)


def start_embedded_s3():
    """Start moto's server on 127.0.0.1 (a free port), point boto3 at it, seed the sample bucket."""
    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request access log

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    use_fake_credentials()
    os.environ["AWS_ENDPOINT_URL_S3"] = f"http://{host}:{port}"
    os.environ.setdefault("SOURCE_BUCKET", samples.BUCKET)
    os.environ.setdefault("STYLE_DELIMITERS", "!")
    # Results too big for a response, and derivatives worth keeping, as the template's defaults do.
    os.environ.setdefault("OUTPUT_BUCKET", OUTPUT_BUCKET)
    os.environ.setdefault("STORE_DERIVATIVES_MS", str(STORE_DERIVATIVES_MS))
    client = boto3.client("s3")
    client.create_bucket(Bucket=os.environ["OUTPUT_BUCKET"])
    samples.seed(client, os.environ["SOURCE_BUCKET"])
    for name, content in SAMPLE_STYLES.items():
        put_style(client, os.environ["SOURCE_BUCKET"], name, content)
    return server
