"""The whole configuration, read once from the environment, typed: every variable the README lists.

`Settings.from_env()` is the only place the function reads its environment; the Lambda edge,
the local server and the CLI build one and pass its parts on (limits and encoders to the core,
the rest to the service and the stores).
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from typing import Any, NamedTuple

from .core.budget.limits import Limits
from .core.codecs.formats import EncoderSettings

REPOSITORY_FONTS = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "layers", "fonts", "fonts"
)
LAMBDA_FONTS = "/opt/fonts"  # the fonts layer
PUBLIC_READ, PRIVATE = "public-read", "private"  # SOURCE_ACL
ACLS = (PUBLIC_READ, PRIVATE)


def _csv(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _flag(raw: str) -> bool:
    return raw.strip().lower() == "true"


def _acl(raw: str) -> str:
    if raw.strip() not in ACLS:
        raise ValueError(f"SOURCE_ACL must be one of {', '.join(ACLS)}, not {raw!r}")
    return raw.strip()


@functools.lru_cache(maxsize=256)
def _pattern(rule: str) -> re.Pattern:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in rule)
    return re.compile(body, re.IGNORECASE | re.DOTALL)


class RefererRule(NamedTuple):
    """Hotlink protection: which Referers may read (how the patterns match is defined here)."""

    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    allow_empty: bool = True
    truncate_query: bool = True

    @property
    def enabled(self) -> bool:
        return bool(self.allow or self.deny or not self.allow_empty)

    def admits(self, referer: str) -> bool:
        if not referer:
            return self.allow_empty or not self.allow
        if self.truncate_query:
            referer = referer.split("?", 1)[0]
        candidates = (referer, re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "", referer))
        if any(_matches(rule, text) for rule in self.deny for text in candidates):
            return False
        return not self.allow or any(_matches(rule, text) for rule in self.allow for text in candidates)


def _matches(rule: str, text: str) -> bool:
    return _pattern(rule).match(text) is not None


class S3Timeouts(NamedTuple):
    """How long S3 may take. A GetObject's worst case is attempts x (connect + read) plus a
    second's back-off (11 s by default); its body must then arrive within `total` of the call, and
    a read past `total` stops at the next byte or `read`, so one object costs at most total + read."""

    connect: float = 2.0  # S3_CONNECT_TIMEOUT: seconds to open a connection
    read: float = 3.0  # S3_READ_TIMEOUT: the longest wait for the next byte
    attempts: int = 2  # S3_MAX_ATTEMPTS: tries of one call, the first included
    total: float = 12.0  # S3_TIMEOUT: one object's whole read, from the call to its body's last byte

    @property
    def worst_call(self) -> float:
        """Seconds one S3 call may take before its timeouts end it (back-off included)."""
        return self.attempts * (self.connect + self.read) + 1.0


class Settings(NamedTuple):
    bucket: str = ""  # SOURCE_BUCKET
    cache_control: str = "public, max-age=86400, s-maxage=2592000"  # CACHE_CONTROL
    error_cache_control: str = "public, max-age=60"  # ERROR_CACHE_CONTROL
    style_prefix: str = "_styles/"  # STYLE_PREFIX
    style_delimiters: str = ""  # STYLE_DELIMITERS, e.g. "!": <key>!<style> in the path; off when empty
    style_cache_seconds: float = 60  # STYLE_CACHE_SECONDS
    deadline_margin_ms: int = 1500  # DEADLINE_MARGIN_MS: stop this long before Lambda's timeout
    allowed_prefixes: tuple[str, ...] = ()  # ALLOWED_PREFIXES; empty: the whole bucket
    output_bucket: str = ""  # OUTPUT_BUCKET: where results too big for a response are stored
    output_base_url: str = ""  # OUTPUT_BASE_URL: how clients reach them (empty: presigned URLs)
    output_prefix: str = "derived/"  # OUTPUT_PREFIX
    redirect_cache_control: str = "public, max-age=300"  # REDIRECT_CACHE_CONTROL: shorter than the URLs live
    max_output_bytes: int = 64 * 1024 * 1024  # MAX_OUTPUT_BYTES: the largest result stored
    # STORE_DERIVATIVES_MS: with OUTPUT_BUCKET, keep every result whose rendering took at least
    # this long (0: all of them; -1: only those too big for a response) and answer from it next time.
    store_derivatives_ms: int = -1
    auto_format: bool = False  # AUTO_FORMAT: AVIF/WebP by Accept when the chain names no format
    origin_verify: str = ""  # ORIGIN_VERIFY: the secret header the CDN adds to every request it forwards
    direct_access: bool = False  # DIRECT_ACCESS: with ORIGIN_VERIFY set, serve requests without it too
    signing_keys: tuple[str, ...] = ()  # SIGNING_KEYS
    signing_keys_parameter: str = ""  # SIGNING_KEYS_PARAMETER: an SSM SecureString holding them
    signing_keys_cache_seconds: float = 300  # SIGNING_KEYS_CACHE_SECONDS (OSS access keys too)
    oss_access_keys: tuple[str, ...] = ()  # OSS_ACCESS_KEYS: <AccessKeyId>:<AccessKeySecret>, ...
    oss_access_keys_parameter: str = ""  # OSS_ACCESS_KEYS_PARAMETER: an SSM SecureString holding them
    oss_bucket: str = ""  # OSS_BUCKET: the bucket name clients sign for (empty: SOURCE_BUCKET)
    source_acl: str = PUBLIC_READ  # SOURCE_ACL: public-read, or private (every read signed)
    protected_suffixes: tuple[str, ...] = ()  # PROTECTED_SUFFIXES: served anonymously through styles only
    referer: RefererRule = RefererRule()  # REFERER_ALLOW, REFERER_DENY, REFERER_ALLOW_EMPTY, REFERER_TRUNCATE_QUERY
    saveas: bool = False  # SAVEAS: POST ...|sys/saveas writes results (needs s3:PutObject on the targets)
    saveas_buckets: tuple[str, ...] = ()  # SAVEAS_BUCKETS: <name clients use>=<S3 bucket>, ... beyond the source
    style_api: bool = False  # STYLE_API: signed PUT and DELETE /?style manage styles (needs write on STYLE_PREFIX)
    memory_limit_mb: int = 1769  # MEMORY_LIMIT_MB: where no Lambda context says (local server, CLI)
    tracing: bool = False  # TRACING: X-Ray through the Powertools Tracer
    pillow_blocks_max: int = 8  # PILLOW_BLOCKS_MAX: freed 16 MB image blocks kept for the next request
    threads: int = 0  # THREADS: strips of an image worked on at once (0: one per CPU the function has)
    font_dirs: tuple[str, ...] = (LAMBDA_FONTS, REPOSITORY_FONTS)  # FONT_DIR first when set
    s3: S3Timeouts = S3Timeouts()  # S3_CONNECT_TIMEOUT, S3_READ_TIMEOUT, S3_MAX_ATTEMPTS, S3_TIMEOUT
    limits: Limits = Limits()  # MAX_SOURCE_BYTES, MAX_SOURCE_SIDE, ...
    encoders: EncoderSettings = EncoderSettings()  # WEBP_METHOD, AVIF_SPEED, ...

    @property
    def signing_bucket(self) -> str:
        return self.oss_bucket or self.bucket

    @property
    def saveas_targets(self) -> dict[str, str]:
        """SAVEAS_BUCKETS as {name clients use: S3 bucket}."""
        pairs = (entry.partition("=") for entry in self.saveas_buckets)
        return {name.strip(): bucket.strip() for name, _, bucket in pairs if name.strip() and bucket.strip()}

    @classmethod
    def from_env(cls, env=os.environ) -> Settings:
        defaults = cls()
        read: dict[str, tuple[str, Callable[[str], Any]]] = {
            "bucket": ("SOURCE_BUCKET", str),
            "cache_control": ("CACHE_CONTROL", str),
            "error_cache_control": ("ERROR_CACHE_CONTROL", str),
            "style_prefix": ("STYLE_PREFIX", str),
            "style_delimiters": ("STYLE_DELIMITERS", str),
            "style_cache_seconds": ("STYLE_CACHE_SECONDS", float),
            "deadline_margin_ms": ("DEADLINE_MARGIN_MS", int),
            "allowed_prefixes": ("ALLOWED_PREFIXES", _csv),
            "output_bucket": ("OUTPUT_BUCKET", str),
            "output_base_url": ("OUTPUT_BASE_URL", str),
            "output_prefix": ("OUTPUT_PREFIX", str),
            "redirect_cache_control": ("REDIRECT_CACHE_CONTROL", str),
            "max_output_bytes": ("MAX_OUTPUT_BYTES", int),
            "store_derivatives_ms": ("STORE_DERIVATIVES_MS", int),
            "auto_format": ("AUTO_FORMAT", _flag),
            "origin_verify": ("ORIGIN_VERIFY", str),
            "direct_access": ("DIRECT_ACCESS", _flag),
            "signing_keys": ("SIGNING_KEYS", _csv),
            "signing_keys_parameter": ("SIGNING_KEYS_PARAMETER", str),
            "signing_keys_cache_seconds": ("SIGNING_KEYS_CACHE_SECONDS", float),
            "oss_access_keys": ("OSS_ACCESS_KEYS", _csv),
            "oss_access_keys_parameter": ("OSS_ACCESS_KEYS_PARAMETER", str),
            "oss_bucket": ("OSS_BUCKET", str),
            "source_acl": ("SOURCE_ACL", _acl),
            "protected_suffixes": ("PROTECTED_SUFFIXES", _csv),
            "saveas": ("SAVEAS", _flag),
            "saveas_buckets": ("SAVEAS_BUCKETS", _csv),
            "style_api": ("STYLE_API", _flag),
            "memory_limit_mb": ("MEMORY_LIMIT_MB", int),
            "tracing": ("TRACING", _flag),
            "pillow_blocks_max": ("PILLOW_BLOCKS_MAX", int),
            "threads": ("THREADS", int),
        }
        values = {name: parse(env[var]) for name, (var, parse) in read.items() if env.get(var)}
        fonts = (env["FONT_DIR"], *defaults.font_dirs) if env.get("FONT_DIR") else defaults.font_dirs
        referer = RefererRule(
            allow=_csv(env.get("REFERER_ALLOW", "")),
            deny=_csv(env.get("REFERER_DENY", "")),
            allow_empty=_flag(env.get("REFERER_ALLOW_EMPTY") or "true"),
            truncate_query=_flag(env.get("REFERER_TRUNCATE_QUERY") or "true"),
        )
        s3 = S3Timeouts(
            **{
                name: type(default)(env[var])
                for (name, default), var in zip(
                    S3Timeouts._field_defaults.items(),
                    ("S3_CONNECT_TIMEOUT", "S3_READ_TIMEOUT", "S3_MAX_ATTEMPTS", "S3_TIMEOUT"),
                )
                if env.get(var)
            }
        )
        return cls(
            **values,
            s3=s3,
            font_dirs=fonts,
            referer=referer,
            limits=_upper_case(Limits, env),
            encoders=_upper_case(EncoderSettings, env),
        )


def _upper_case(cls, env):
    """`cls` with each field from env[FIELD_NAME] when set (parsed as its default's type), else its default."""
    defaults = cls._field_defaults
    return cls(**{name: type(defaults[name])(env[name.upper()]) for name in cls._fields if env.get(name.upper())})
