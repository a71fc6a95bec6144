"""`sys/saveas`: `POST /<key>?x-oss-process` with the form body
`x-oss-process=<image/... or style/<name>>|sys/saveas,o_<object>[,b_<bucket>]` (URL-safe base64,
padded or not) processes the object and writes the result, as OSS's ImgSaveAs does.

It needs an OSS signature and an operator who enabled writing (SAVEAS); it writes to the source
bucket (under ALLOWED_PREFIXES, never among the styles) or to a bucket the operator mapped
(SAVEAS_BUCKETS), and answers OSS's JSON.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from urllib.parse import unquote

from ..config import Settings
from ..core.budget.costs import Budget
from ..core.budget.deadline import Deadline
from ..core.errors import OssError
from ..core.grammar import parse
from .access.oss_signing import Signed
from .request import PROCESS_PARAM, ImageRequest, check_body, validate_key
from .response import HttpResponse
from .serve import STORED_LIMIT, check_key, job_for, render_object, resolve_style

PROCESS = PROCESS_PARAM
SAVEAS = "sys/saveas"
MAX_OBJECT_BYTES = 1023
BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]")


def run(
    req: ImageRequest,
    key: str,
    signed: Signed | None,
    settings: Settings,
    backends,
    deadline: Deadline,
    budget: Budget,
) -> HttpResponse:
    if signed is None:
        raise OssError("AccessDenied", "sys/saveas needs a request signed with an OSS AccessKey.", 403)
    if not settings.saveas:
        raise OssError("AccessDenied", "sys/saveas is not enabled on this service (SAVEAS).", 403)
    check_body(req)
    process, object_name, bucket_name = parse_body(req.body)
    validate_key(key)
    check_key(settings, key)
    bucket_name = bucket_name or settings.signing_bucket
    target = backends.targets.get(bucket_name)
    if target is None:
        raise OssError("AccessDenied", f"sys/saveas may not write to the bucket {bucket_name}.", 403)
    if bucket_name == settings.signing_bucket:
        check_key(settings, object_name)

    resolved = resolve_style(key, process, settings, backends.styles)
    chain = parse(resolved.process or "")
    job = job_for(settings, deadline, budget, cap=settings.max_output_bytes)
    obj = backends.source.open(resolved.key)
    try:
        rendered = render_object(obj, chain, settings, backends.source, job, STORED_LIMIT)
    finally:
        obj.close()
    target.put(object_name, rendered.body, rendered.content_type)

    body = json.dumps(
        {"bucket": bucket_name, "fileSize": len(rendered.body), "object": object_name, "status": "OK"}
    ).encode()
    headers = {
        "Content-Type": "application/json",
        "Content-Length": str(len(body)),
        "Cache-Control": "no-store",
        "x-oss-request-id": req.request_id,
    }
    meta = {"action": "saveas", "bytes_in": obj.size}
    return HttpResponse(200, headers, body, text=True, meta=meta)


def parse_body(body: bytes) -> tuple[str, str, str | None]:
    """The process (chain or style), the target object and the target bucket (None: the source's)."""
    try:
        text = body.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise _invalid("The request body is not UTF-8.") from None
    name, sep, value = text.partition("=")
    if name != PROCESS or not sep:
        raise _invalid(f"The request body must be {PROCESS}=<process>|{SAVEAS},o_<object>.")
    if "%" in value:
        value = unquote(value)  # SDKs that form-encode the body
    process, bar, saving = value.rpartition("|")
    if not bar:
        raise _invalid(f"A POST process needs |{SAVEAS},o_<object> at its end.")
    if not saving.startswith(SAVEAS + ","):
        if saving.startswith("saveas"):
            raise _invalid(f"saveas must be written {SAVEAS}.")
        raise _invalid(f"Only {SAVEAS} may follow '|'.")
    if not process or "|" in process:
        raise _invalid(f"One image process or style must precede |{SAVEAS}.")
    options: dict[str, str] = {}
    for part in saving[len(SAVEAS) + 1 :].split(","):
        option, sep, encoded = part.partition("_")
        if option not in ("o", "b") or not sep or option in options:
            raise _invalid(f"The {SAVEAS} parameter {part!r} is not o_<object> or b_<bucket>.")
        options[option] = encoded
    if "o" not in options:
        raise _invalid(f"{SAVEAS} needs o_<object>, the target's name in URL-safe base64.")
    object_name = _decoded(options["o"], "o")
    if not object_name or len(object_name.encode()) > MAX_OBJECT_BYTES or object_name[0] in "/\\":
        raise OssError("InvalidObjectName", "The specified object is not valid.", 400)
    bucket_name = _decoded(options["b"], "b") if "b" in options else None
    if bucket_name is not None and not BUCKET_NAME.fullmatch(bucket_name):
        raise OssError("InvalidBucketName", "The specified bucket is not valid.", 400)
    return process, object_name, bucket_name


def _decoded(encoded: str, option: str) -> str:
    try:
        raw = base64.b64decode(encoded + "=" * (-len(encoded) % 4), altchars=b"-_", validate=True)
        return raw.decode("utf-8")
    except (binascii.Error, ValueError):
        raise _invalid(f"{SAVEAS} {option}_ must be URL-safe base64 of a UTF-8 name.") from None


def _invalid(message: str) -> OssError:
    return OssError("InvalidArgument", message, 400)
