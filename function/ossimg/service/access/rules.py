"""Who may read what: the bucket ACL, source-image protection and hotlink (Referer) rules, as OSS
applies them to anonymous and signed requests.

- SOURCE_ACL=private: every read needs a signature.
- PROTECTED_SUFFIXES: anonymous readers of those objects get styles only (`style/<n>` or the
  delimiter form); originals and free-form `image/...` need a signature.
- REFERER_*: a non-empty Referer on the deny list is refused; one not on a non-empty allow list
  is refused; an empty one passes when allowed, or when the allow list is empty. Patterns match a
  prefix of the Referer (with or without its scheme), case-insensitively, `*` any run of
  characters and `?` one (`config.RefererRule`). Requests signed in the Authorization header are
  not checked; URLs, signed or not, are.
"""

from __future__ import annotations

from ...config import RefererRule
from ...core.errors import OssError


def denied_by_acl() -> OssError:
    return OssError(
        "AccessDenied", "You have no right to access this object because of bucket acl.", 403, "0003-00000001"
    )


def style_only() -> OssError:
    return OssError("AccessDenied", "The channel can be only accessed using style.", 403)


def protected(key: str, suffixes: tuple[str, ...]) -> bool:
    """Whether source-image protection covers the key (`*` covers every key)."""
    if "*" in suffixes:
        return True
    lowered = key.lower()
    return any(
        lowered.endswith(suffix.lower() if suffix.startswith(".") else "." + suffix.lower()) for suffix in suffixes
    )


def check_referer(rule: RefererRule, referer: str, bucket: str) -> None:
    if rule.enabled and not rule.admits(referer):
        raise OssError(
            "AccessDenied",
            "You are denied by bucket referer policy.",
            403,
            "0003-00000503",
            details=(("BucketName", bucket),),
        )
