"""S3 through boto3: the source bucket (GetObject, with the size known from the headers before the
body is read; styles and `sys/saveas` results written, listed and deleted), and the output
bucket. The only module that talks to AWS.

boto3 honours AWS_ENDPOINT_URL_S3, so S3-compatible stores (and moto's server) work unchanged.
"""

from __future__ import annotations

import functools
import time

from ..config import S3Timeouts
from ..core.errors import OssError, no_such_key
from ..service.ports import SourceChanged, SourceObject

DEFAULT_TIMEOUTS = S3Timeouts()
_MISSING = {"NoSuchKey", "404", "NotFound"}
_BUSY = {"SlowDown", "ServiceUnavailable", "503", "InternalError", "500", "RequestTimeout"}


def ssm_secrets(name: str):
    """Secrets from an SSM parameter (SecureString, comma-separated), read when asked (the key ring caches)."""

    def fetch() -> list[str]:
        import boto3

        value = boto3.client("ssm").get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
        return [key.strip() for key in value.split(",") if key.strip()]

    return fetch


@functools.cache
def s3_client(timeouts: S3Timeouts = DEFAULT_TIMEOUTS):
    """One client per container. Its timeouts keep a stalled S3 from holding a request past API
    Gateway's 29 s: botocore's own defaults (60 s a read, 3 attempts) would wait minutes."""
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=timeouts.connect,
        read_timeout=timeouts.read,
        retries={"mode": "standard", "total_max_attempts": timeouts.attempts},
        tcp_keepalive=True,
    )
    return boto3.client("s3", config=config)


class S3Source:
    def __init__(self, bucket: str, client=None, total: float = DEFAULT_TIMEOUTS.total):
        self.bucket = bucket
        self._client = client
        self.total = total  # seconds one object's read may take, body included

    @property
    def client(self):
        return self._client or s3_client()

    def url_for(self, key: str, seconds: int = 3600) -> str:
        """A presigned GET of the object itself (for originals too big to pass through Lambda)."""
        return self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=seconds
        )

    def open(self, key: str, first: int | None = None) -> SourceObject:
        until = time.monotonic() + self.total
        with _translated():
            if first:
                try:
                    r = self.client.get_object(Bucket=self.bucket, Key=key, Range=f"bytes=0-{first - 1}")
                except Exception as exc:
                    if _code(exc) != "InvalidRange":  # an empty object has no first byte to range over
                        raise
                    r = self.client.get_object(Bucket=self.bucket, Key=key)
            else:
                r = self.client.get_object(Bucket=self.bucket, Key=key)
        rest = functools.partial(self._rest, key, r["ETag"], until)
        return _object(r, until, rest)

    def head(self, key: str) -> SourceObject:
        with _translated():
            r = self.client.head_object(Bucket=self.bucket, Key=key)
        return _object({**r, "Body": None}, time.monotonic())

    def _rest(self, key: str, etag: str, until: float, start: int, end: int | None = None) -> Body:
        """The object from byte `start` (to `end`, inclusive), only if it is still the object whose
        first bytes were read (If-Match: S3 answers 412 for a replaced one)."""
        with _translated():
            r = self.client.get_object(
                Bucket=self.bucket, Key=key, Range=f"bytes={start}-{'' if end is None else end}", IfMatch=etag
            )
        return Body(r["Body"], until, r["ContentLength"])

    def put(self, key: str, body: bytes, content_type: str, metadata: dict | None = None) -> None:
        with _translated():
            self.client.put_object(
                Bucket=self.bucket, Key=key, Body=body, ContentType=content_type, Metadata=metadata or {}
            )

    def delete(self, key: str) -> None:
        with _translated():
            self.client.delete_object(Bucket=self.bucket, Key=key)

    def keys(self, prefix: str) -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        with _translated():
            return [item["Key"] for page in pages for item in page.get("Contents", ())]


class S3Outputs:
    """OUTPUT_BUCKET: derivatives too big for a Lambda response (stored once and redirected to),
    and, with STORE_DERIVATIVES_MS, the others worth keeping (served from here on the next miss)."""

    def __init__(self, bucket: str, client, base_url: str = "", seconds=3600, total=DEFAULT_TIMEOUTS.total):
        self.bucket, self.client, self.base_url = bucket, client, base_url.rstrip("/")
        self.seconds, self.total = seconds, total

    def url(self, key: str) -> str:
        if self.base_url:  # e.g. a CloudFront distribution in front of the output bucket
            from urllib.parse import quote

            return f"{self.base_url}/{quote(key)}"
        return self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=self.seconds
        )

    def open(self, key: str) -> SourceObject | None:
        until = time.monotonic() + self.total
        try:
            with _translated():
                r = self.client.get_object(Bucket=self.bucket, Key=key)
        except OssError as err:
            if err.code == "NoSuchKey":
                return None
            raise
        return _object(r, until)

    def store(self, key: str, body: bytes, content_type: str, cache_control: str) -> str:
        with _translated():
            self.client.put_object(
                Bucket=self.bucket, Key=key, Body=body, ContentType=content_type, CacheControl=cache_control
            )
        return self.url(key)


def _object(r: dict, until: float, rest=None) -> SourceObject:
    """A GetObject (or HeadObject) response as the object the service reads, its body not yet
    read. A ranged answer's Content-Range says the object's size; a store that ignores the range
    answers 200 with the whole object, which is then read as it is."""
    total = r.get("ContentRange", "").rpartition("/")[2]
    size = int(total) if total.isdigit() else r["ContentLength"]
    return SourceObject(
        etag=r["ETag"],
        last_modified=r["LastModified"],
        size=size,
        content_type=r.get("ContentType") or "application/octet-stream",
        cache_control=r.get("CacheControl"),
        stream=Body(r["Body"], until, r["ContentLength"], size, rest),
        metadata=r.get("Metadata") or {},
    )


class Body:
    """An object's body, read as it arrives against its deadline. A plain read(n) waits for all n
    bytes, and the socket's read timeout is per packet, so S3 sending a byte now and then would
    hold the request for as long as it kept the connection alive; read1 returns what has come."""

    CHUNK = 1 << 20

    def __init__(self, stream, until: float, size: int | None = None, total: int | None = None, rest=None):
        self.stream, self.until, self.size = stream, until, size  # size: what this response carries
        self.total, self.rest = total, rest  # the object's size; rest(start) -> a Body from there
        self._raw = getattr(stream, "_raw_stream", stream)  # botocore's StreamingBody wraps urllib3's response
        self._first: bytes | None = None

    def first(self) -> bytes:
        """What this response carries (the first range, or the whole object), read once."""
        if self._first is None:
            self._first = b"".join(self._parts())
        return self._first

    def read(self) -> bytes:
        head = self.first()
        if self.total is None or self.rest is None or len(head) >= self.total:
            return head
        tail = self.rest(len(head))
        try:
            return b"".join([head, *tail._parts()])
        finally:
            tail.close()

    def part(self, offset: int, length: int) -> bytes:
        """`length` bytes from `offset`, by a ranged read of their own (the object unchanged)."""
        if self.rest is None:
            return self.read()[offset : offset + length]
        piece = self.rest(offset, offset + length - 1)
        try:
            return b"".join(piece._parts())
        finally:
            piece.close()

    def _parts(self) -> list[bytes]:
        if self.stream is None:  # a HeadObject: no body was sent
            return []
        parts, got = [], 0
        with _translated():
            while True:
                if time.monotonic() > self.until:
                    raise timed_out()
                chunk = self._raw.read1(self.CHUNK)
                if not chunk:
                    break
                parts.append(chunk)
                got += len(chunk)
        if self.size is not None and got != self.size:
            raise cut_short()
        return parts

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()


def timed_out() -> OssError:
    return OssError("GatewayTimeout", "The source store did not answer in time; try again.", 504)


def cut_short() -> OssError:
    return OssError("ServiceUnavailable", "The source store could not be reached; try again.", 503)


class _translated:
    """botocore's failures as the answers OSS clients expect: S3's own errors by their code; no
    answer in time, 504; a refused, reset or cut-short connection, 503 (worth a retry)."""

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if exc is None or isinstance(exc, OssError):
            return False
        from botocore.exceptions import BotoCoreError, ClientError, ConnectTimeoutError, ReadTimeoutError
        from urllib3.exceptions import HTTPError
        from urllib3.exceptions import TimeoutError as NoAnswerInTime

        if isinstance(exc, ClientError):
            raise _mapped(_code(exc)) from None
        if isinstance(exc, (ConnectTimeoutError, ReadTimeoutError, NoAnswerInTime)):
            raise timed_out() from None
        if isinstance(exc, (BotoCoreError, HTTPError, ConnectionError)):  # the body's reads are urllib3's own
            raise cut_short() from None
        return False


def _code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    return response.get("Error", {}).get("Code", "") if isinstance(response, dict) else ""


def _mapped(code: str) -> Exception:
    if code in ("PreconditionFailed", "412"):
        return SourceChanged()
    if code in _MISSING:
        return no_such_key()
    if code in ("AccessDenied", "403"):
        return OssError("AccessDenied", "This service has no permission for that object.", 403)
    if code == "NoSuchBucket":
        return OssError("NoSuchBucket", "The bucket does not exist.", 404)
    if code in _BUSY:
        return OssError("ServiceUnavailable", "The source store is busy; try again.", 503)
    return RuntimeError(f"S3 failed with {code}")
