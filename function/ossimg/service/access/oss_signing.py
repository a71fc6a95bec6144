"""OSS's own request signatures, verified as OSS verifies them, so OSS SDK code works unchanged.

Two versions, each in two forms:
- V1: base64 HMAC-SHA1 over METHOD, Content-MD5, Content-Type, Date (URLs: Expires), the x-oss-*
  headers and the resource `/<bucket>/<key>` with OSS's sub-resources (x-oss-process, style, ...);
  `Authorization: OSS <id>:<signature>` or `?OSSAccessKeyId=&Expires=&Signature=`.
- V4: hex HMAC-SHA256 with a key derived from the secret, date, region and product over a
  canonical request (method, `/<bucket>/<key>`, every query parameter, x-oss-*/Content-Type/
  Content-MD5 and the additional headers, the payload hash);
  `Authorization: OSS4-HMAC-SHA256 Credential=...` or `?x-oss-signature-version=OSS4-HMAC-SHA256&...`.

The bucket is the one clients sign for (OSS_BUCKET). Clients on a CNAME send `/<key>`; clients
whose endpoint is an IP address send `/<bucket>/<key>` (path style): both readings of a path
are tried and the one the signature was made for names the object. Secrets are compared in
constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import NamedTuple
from urllib.parse import quote

from ...core.errors import OssError
from .signing import KeyRing

V4_ALGORITHM = "OSS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
MAX_SKEW_SECONDS = 15 * 60  # a header signature's date, or a V4 URL's start, may be this far off
MAX_V4_EXPIRES = 7 * 24 * 3600

# Query parameters V1 signs (OSS's sub-resources); any other parameter is left out of the string.
V1_SUBRESOURCES = frozenset(
    """
    acl append asyncFetch bucketInfo callback callback-var cname comp continuation-token cors delete
    encryption endTime group inventory inventoryId lifecycle link live location logging metaQuery
    objectInfo objectMeta partNumber policy position qos qosInfo referer replication
    replicationLocation replicationProgress requestPayment resourceGroup response-cache-control
    response-content-disposition response-content-encoding response-content-language
    response-content-type response-expires restore security-token sequential startTime stat status
    style styleName symlink tagging transferAcceleration uploadId uploads versionId versioning
    versions vod website worm wormExtend wormId x-oss-ac-forward-allow x-oss-ac-source-ip
    x-oss-ac-subnet-mask x-oss-ac-vpc-id x-oss-async-process x-oss-process x-oss-request-payer
    x-oss-traffic-limit
    """.split()
)
V1_QUERY = ("OSSAccessKeyId", "Expires", "Signature")
V4_QUERY = (
    "x-oss-signature-version",
    "x-oss-credential",
    "x-oss-date",
    "x-oss-expires",
    "x-oss-signature",
    "x-oss-additional-headers",
)
SIGNATURE_QUERY = V1_QUERY + V4_QUERY  # the parameters that make a URL signed


class Signed(NamedTuple):
    """A request whose OSS signature verified."""

    access_key_id: str
    key: str | None  # the object it was signed for; None: the bucket itself (the style API)
    expires: float | None  # a signed URL's end (Unix time); None for a header signature


def access_keys(ring: KeyRing) -> dict[str, list[str]]:
    """AccessKeyId -> its secrets, from `<id>:<secret>` entries (several secrets rotate one id)."""
    pairs: dict[str, list[str]] = {}
    for entry in ring.keys():
        key_id, _, secret = entry.partition(":")
        if key_id.strip() and secret.strip():
            pairs.setdefault(key_id.strip(), []).append(secret.strip())
    return pairs


def carries_signature(req) -> bool:
    """Whether the request carries an OSS signature, header or URL, good or bad."""
    return bool(req.headers.get("authorization")) or any(req.param(name) is not None for name in SIGNATURE_QUERY)


def authenticate(req, bucket: str, ring: KeyRing, now=time.time) -> Signed | None:
    """The verified signature, None when the request carries none; OssError (403) when it is bad."""
    auth = req.headers.get("authorization", "")
    if auth.startswith(V4_ALGORITHM):
        return _v4(req, bucket, ring, now(), _header_fields(auth))
    if auth.startswith("OSS "):
        return _v1(req, bucket, ring, now(), auth[4:])
    if auth:  # OSS2 (retired by OSS) or another scheme: never read as no signature at all
        raise OssError("AccessDenied", "Only OSS V1 (OSS) and V4 (OSS4-HMAC-SHA256) signatures are accepted.", 403)
    if req.param("x-oss-signature-version") is not None or req.param("x-oss-signature") is not None:
        return _v4(req, bucket, ring, now(), None)
    if req.param("Signature") is not None or req.param("OSSAccessKeyId") is not None:
        return _v1(req, bucket, ring, now(), None)
    return None


def readings(path: str, bucket: str) -> list[str | None]:
    """What a path may name: an object (CNAME style), or, after the bucket, an object or the bucket
    (path style)."""
    if not path:
        return [None]
    if path in (bucket, bucket + "/"):
        return [None, path]
    if path.startswith(bucket + "/"):
        return [path, path[len(bucket) + 1 :]]
    return [path]


# V1 ------------------------------------------------------------------------------------------


def _v1(req, bucket: str, ring: KeyRing, now: float, credential: str | None) -> Signed:
    if credential is not None:  # "OSS <id>:<signature>"
        key_id, _, given = credential.strip().rpartition(":")
        moment = req.headers.get("x-oss-date") or req.headers.get("date", "")
        _check_date(moment, now)
        expires = None
    else:
        key_id, given = req.param("OSSAccessKeyId") or "", req.param("Signature") or ""
        moment = req.param("Expires") or ""
        expires = _check_expires(moment, now)
    secrets = _secrets(ring, key_id)
    options = readings(req.key, bucket)
    texts = [_v1_string(req, moment, _v1_resource(req, bucket, reading)) for reading in options]
    for reading, text in zip(options, texts, strict=True):
        for secret in secrets:
            digest = hmac.new(secret.encode(), text.encode(), hashlib.sha1).digest()
            if hmac.compare_digest(base64.b64encode(digest), given.encode()):
                return Signed(key_id, reading, expires)
    text = texts[-1]  # a path-style client signed the last reading; a CNAME one has only one
    raise OssError(
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method.",
        403,
        "0002-00000040",
        details=(
            ("OSSAccessKeyId", key_id),
            ("SignatureProvided", given),
            ("StringToSign", text),
            ("StringToSignBytes", " ".join(f"{b:02X}" for b in text.encode())),
        ),
    )


def _v1_resource(req, bucket: str, reading: str | None) -> str:
    params = sorted(((k, v) for k, v in req.query if k in V1_SUBRESOURCES), key=lambda kv: kv[0])
    resource = f"/{bucket}/{reading or ''}"
    if params:
        resource += "?" + "&".join(f"{k}={v}" if v else k for k, v in params)
    return resource


def _v1_string(req, moment: str, resource: str) -> str:
    headers = req.headers
    oss_headers = "".join(f"{k}:{headers[k]}\n" for k in sorted(k for k in headers if k.startswith("x-oss-")))
    lines = [req.method, headers.get("content-md5", ""), headers.get("content-type", ""), moment]
    return "\n".join(lines) + "\n" + oss_headers + resource


# V4 ------------------------------------------------------------------------------------------


def _v4(req, bucket: str, ring: KeyRing, now: float, fields: dict | None) -> Signed:
    if fields is not None:  # the Authorization header
        credential, given = fields.get("Credential", ""), fields.get("Signature", "")
        additional = fields.get("AdditionalHeaders", "")
        stamp = req.headers.get("x-oss-date", "")
        signed_at = _v4_time(stamp)
        if abs(now - signed_at) > MAX_SKEW_SECONDS:
            raise _skewed(now)
        expires = None
    else:
        version = req.param("x-oss-signature-version") or ""
        if version != V4_ALGORITHM:
            raise OssError("AccessDenied", f"The signature version {version!r} is not supported.", 403)
        credential, given = req.param("x-oss-credential") or "", req.param("x-oss-signature") or ""
        additional = req.param("x-oss-additional-headers") or ""
        stamp = req.param("x-oss-date") or ""
        signed_at = _v4_time(stamp)
        expires = signed_at + _v4_expires(req.param("x-oss-expires"))
        if signed_at - now > MAX_SKEW_SECONDS:
            raise OssError(
                "AccessDenied", "The request's x-oss-date is later than the current time.", 403, "0002-00000235"
            )
        if now > expires:
            raise _expired(expires, now)
    key_id, scope = _v4_scope(credential, stamp)
    secrets = _secrets(ring, key_id)
    names = sorted({name.strip().lower() for name in additional.split(";") if name.strip()})
    candidates = []
    for reading in readings(req.key, bucket):
        canonical = _v4_canonical(req, bucket, reading, names)
        text = "\n".join([V4_ALGORITHM, stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
        candidates.append((reading, canonical, text))
        for secret in secrets:
            if hmac.compare_digest(_v4_signature(secret, scope, text).encode(), given.lower().encode()):
                _check_payload(req)
                return Signed(key_id, reading, expires)
    _, canonical, text = candidates[-1]
    raise OssError(
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method.",
        403,
        "0002-00000201",
        details=(
            ("OSSAccessKeyId", key_id),
            ("SignatureProvided", given),
            ("StringToSign", text),
            ("CanonicalRequest", canonical),
        ),
    )


def _header_fields(auth: str) -> dict:
    """`OSS4-HMAC-SHA256 Credential=a/b,AdditionalHeaders=x;y,Signature=s` -> its fields."""
    fields = {}
    for part in auth[len(V4_ALGORITHM) :].split(","):
        name, _, value = part.strip().partition("=")
        fields[name] = value.strip()
    return fields


def _v4_scope(credential: str, stamp: str) -> tuple[str, str]:
    key_id, _, scope = credential.partition("/")
    parts = scope.split("/")
    if len(parts) != 4 or parts[0] != stamp[:8] or parts[2] != "oss" or parts[3] != "aliyun_v4_request":
        raise OssError(
            "AccessDenied", "The credential must be <AccessKeyId>/<date>/<region>/oss/aliyun_v4_request.", 403
        )
    return key_id, scope


def _v4_canonical(req, bucket: str, reading: str | None, additional: list[str]) -> str:
    uri = quote(f"/{bucket}/{reading or ''}", safe="/")
    pairs = sorted((quote(k, safe="-_.~"), quote(v, safe="-_.~")) for k, v in req.query if k != "x-oss-signature")
    query = "&".join(f"{k}={v}" if v else k for k, v in pairs)
    signed = sorted(
        (k, v)
        for k, v in req.headers.items()
        if k.startswith("x-oss-") or k in ("content-type", "content-md5") or k in additional
    )
    headers = "".join(f"{k}:{v}\n" for k, v in signed)
    payload = req.headers.get("x-oss-content-sha256", UNSIGNED_PAYLOAD)
    return "\n".join([req.method, uri, query, headers, ";".join(additional), payload])


def _v4_signature(secret: str, scope: str, text: str) -> str:
    key = ("aliyun_v4" + secret).encode()
    for part in scope.split("/")[:3] + ["aliyun_v4_request"]:  # date, region, product, terminator
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def _check_payload(req) -> None:
    declared = req.headers.get("x-oss-content-sha256", UNSIGNED_PAYLOAD)
    if declared != UNSIGNED_PAYLOAD and not hmac.compare_digest(declared.lower(), hashlib.sha256(req.body).hexdigest()):
        raise OssError("InvalidDigest", "The x-oss-content-sha256 you specified does not match the body.", 400)


def _v4_time(stamp: str) -> float:
    try:
        return datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp()
    except ValueError:
        raise OssError("AccessDenied", "x-oss-date must be a time such as 20241111T113707Z.", 403) from None


def _v4_expires(raw: str | None) -> int:
    if raw is None:
        raise OssError("AccessDenied", "A V4 signed URL needs x-oss-expires.", 403, "0002-00000215")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_V4_EXPIRES:
        raise OssError(
            "AccessDenied", f"x-oss-expires must be from 1 to {MAX_V4_EXPIRES} seconds.", 403, "0002-00000232"
        )
    return int(raw)


# Shared ----------------------------------------------------------------------------------------


def _secrets(ring: KeyRing, key_id: str) -> list[str]:
    secrets = access_keys(ring).get(key_id)
    if not secrets:
        raise OssError(
            "InvalidAccessKeyId",
            "The OSS Access Key Id you provided does not exist in our records.",
            403,
            "0002-00000902",
            details=(("OSSAccessKeyId", key_id),),
        )
    return secrets


def _check_date(moment: str, now: float) -> None:
    if not moment:
        raise OssError("AccessDenied", "A header signature needs a Date or x-oss-date header.", 403, "0002-00000503")
    try:
        signed_at = parsedate_to_datetime(moment).timestamp()
    except (TypeError, ValueError):
        raise OssError("AccessDenied", f"The date {moment!r} is not an HTTP date.", 403, "0002-00000503") from None
    if abs(now - signed_at) > MAX_SKEW_SECONDS:
        raise _skewed(now)


def _check_expires(raw: str, now: float) -> float:
    if not raw.isdigit():
        raise OssError("AccessDenied", "Expires must be a Unix time in seconds.", 403, "0002-00000070")
    if now > int(raw):
        raise _expired(int(raw), now)
    return float(raw)


def _expired(expires: float, now: float) -> OssError:
    return OssError(
        "AccessDenied",
        "Request has expired.",
        403,
        "0002-00000069",
        details=(("Expires", _iso(expires)), ("ServerTime", _iso(now))),
    )


def _skewed(now: float) -> OssError:
    return OssError(
        "RequestTimeTooSkewed",
        "The difference between the request time and the current time is too large.",
        403,
        "0002-00000504",
        details=(("ServerTime", _iso(now)),),
    )


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
