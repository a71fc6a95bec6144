"""The playground's data: sample keys from the bucket, and an action reference built from the
actions' own parameter declarations (so the hints can never drift from what is validated)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ossimg.core.actions import REGISTRY
from ossimg.core.actions.params import Param

PAGE = Path(__file__).resolve().parent / "playground.html"
FAVICON = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
    b'<rect width="16" height="16" rx="3" fill="#ff6a00"/><path d="M3 12l3-4 2 2 3-4 2 6z" fill="#fff"/></svg>'
)


def _param(p: Param) -> dict:
    hint = {"name": p.name, "kind": p.kind}
    if p.kind == "int":
        hint["range"] = [p.lo, p.hi]
    if p.choices:
        hint["choices"] = list(p.choices)
    if p.default is not None:
        hint["default"] = p.default
    if p.required:
        hint["required"] = True
    return hint


def actions() -> list[dict]:
    out = []
    for name, action in sorted(REGISTRY.items()):
        entry: dict = {"name": name, "alone": action.describe is not None}
        entry["value"] = _param(action.value) if action.value else None
        entry["params"] = [_param(p) for p in action.params]
        out.append(entry)
    return out


def samples(client, bucket: str, style_prefix: str = "_styles/") -> list[str]:
    keys = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys += [item["Key"] for item in page.get("Contents", []) if not item["Key"].startswith(style_prefix)]
    return sorted(keys)


def route(path: str) -> tuple[int, str, bytes] | None:
    """The playground's own responses (status, content type, body), or None for everything else."""
    if path == "/":
        return 200, "text/html; charset=utf-8", PAGE.read_bytes()
    if path in ("/favicon.svg", "/favicon.ico"):
        return 200, "image/svg+xml", FAVICON
    if path == "/_playground/actions":
        return 200, "application/json", json.dumps(actions()).encode()
    if path == "/_playground/samples":
        import boto3

        keys = samples(boto3.client("s3"), os.environ["SOURCE_BUCKET"], os.environ.get("STYLE_PREFIX") or "_styles/")
        return 200, "application/json", json.dumps(keys).encode()
    return None
