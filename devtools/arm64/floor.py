"""/var/runtime/floor.py of the emulated runtime: the least any Python image function pays at a
cold start (Pillow imported, the boto3 S3 client made) on the function's search path, with no
runtime client; `make cold-start` compares the deployed function's cold start with it."""

import sys

from bootstrap import search_path

sys.path[:] = search_path()

import boto3  # noqa: E402
import PIL.Image  # noqa: E402, F401

boto3.client("s3")
