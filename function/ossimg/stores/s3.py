"""S3 through boto3: the source bucket (GetObject, with the size known from the headers before the
body is read; styles and `sys/saveas` results written, listed and deleted), and the output
bucket. The only module that talks to AWS.

boto3 honours AWS_ENDPOINT_URL_S3, so S3-compatible stores (and moto's server) work unchanged.
"""

from __future__ import annotations

import functools

from ..core.errors import OssError, no_such_key
from ..service.ports import SourceObject

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
def s3_client():
    import boto3
    from botocore.config import Config

    return boto3.client("s3", config=Config(retries={"mode": "standard", "max_attempts": 3}))


class S3Source:
    def __init__(self, bucket: str, client=None):
        self.bucket = bucket
        self._client = client

    @property
    def client(self):
        return self._client or s3_client()

    def url_for(self, key: str, seconds: int = 3600) -> str:
        """A presigned GET of the object itself (for originals too big to pass through Lambda)."""
        return self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=seconds
        )

    def open(self, key: str) -> SourceObject:
        from botocore.exceptions import ClientError

        try:
            r = self.client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            raise _mapped(exc.response.get("Error", {}).get("Code", "")) from None
        return _object(r)

    def put(self, key: str, body: bytes, content_type: str, metadata: dict | None = None) -> None:
        self._call("put_object", Key=key, Body=body, ContentType=content_type, Metadata=metadata or {})

    def delete(self, key: str) -> None:
        self._call("delete_object", Key=key)

    def keys(self, prefix: str) -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        try:
            return [item["Key"] for page in pages for item in page.get("Contents", ())]
        except self._client_error() as exc:
            raise _mapped(exc.response.get("Error", {}).get("Code", "")) from None

    def _call(self, operation: str, **params) -> None:
        try:
            getattr(self.client, operation)(Bucket=self.bucket, **params)
        except self._client_error() as exc:
            raise _mapped(exc.response.get("Error", {}).get("Code", "")) from None

    @staticmethod
    def _client_error():
        from botocore.exceptions import ClientError

        return ClientError


class S3Outputs:
    """OUTPUT_BUCKET: derivatives too big for a Lambda response (stored once and redirected to),
    and, with STORE_DERIVATIVES_MS, the others worth keeping (served from here on the next miss)."""

    def __init__(self, bucket: str, client, base_url: str = "", seconds: int = 3600):
        self.bucket, self.client, self.base_url, self.seconds = bucket, client, base_url.rstrip("/"), seconds

    def url(self, key: str) -> str:
        if self.base_url:  # e.g. a CloudFront distribution in front of the output bucket
            from urllib.parse import quote

            return f"{self.base_url}/{quote(key)}"
        return self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=self.seconds
        )

    def open(self, key: str) -> SourceObject | None:
        from botocore.exceptions import ClientError

        try:
            r = self.client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                return None
            raise
        return _object(r)

    def store(self, key: str, body: bytes, content_type: str, cache_control: str) -> str:
        self.client.put_object(
            Bucket=self.bucket, Key=key, Body=body, ContentType=content_type, CacheControl=cache_control
        )
        return self.url(key)


def _object(r: dict) -> SourceObject:
    """A GetObject response as the object the service reads (its body not yet read)."""
    return SourceObject(
        etag=r["ETag"],
        last_modified=r["LastModified"],
        size=r["ContentLength"],
        content_type=r.get("ContentType") or "application/octet-stream",
        cache_control=r.get("CacheControl"),
        stream=r["Body"],
        metadata=r.get("Metadata") or {},
    )


def _mapped(code: str) -> Exception:
    if code in _MISSING:
        return no_such_key()
    if code in ("AccessDenied", "403"):
        return OssError("AccessDenied", "This service has no permission for that object.", 403)
    if code == "NoSuchBucket":
        return OssError("NoSuchBucket", "The bucket does not exist.", 404)
    if code in _BUSY:
        return OssError("ServiceUnavailable", "The source store is busy; try again.", 503)
    return RuntimeError(f"S3 failed with {code}")
