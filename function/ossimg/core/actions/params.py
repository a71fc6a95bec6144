"""Parameters declared as data, and the one validator that reads the declarations.

Each action module lists its parameters (name, type, range, default, OSS error code);
`parse_value` turns the raw text of one parameter into a typed value or an OssError.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from typing import Any, NamedTuple

from ..errors import invalid_value

_UINT = re.compile(r"\d{1,9}")
_INT = re.compile(r"-?\d{1,9}")
_HEX6 = re.compile(r"[0-9A-Fa-f]{6}")


class Param(NamedTuple):
    name: str
    kind: str = "int"  # "int" | "enum" | "hex" | "b64" (URL-safe base64 of UTF-8 text) | "embedded" (below)
    lo: int | None = None
    hi: int | None = None
    choices: tuple[str, ...] = ()
    default: object = None
    ec: str | None = None
    aliases: tuple[tuple[str, str], ...] = ()  # enum spellings mapped to a canonical value
    required: bool = False
    # "embedded": base64 of `<key>[?x-oss-process=image/...]`, an image named inside a parameter,
    # with its own pre-processing limited to `choices`; `percent_on` may carry P_ (percent of the base).
    percent_on: str = ""


def Int(
    name: str,
    lo: int | None = None,
    hi: int | None = None,
    default: int | None = None,
    ec: str | None = None,
    required: bool = False,
) -> Param:
    return Param(name, "int", lo, hi, default=default, ec=ec, required=required)


def Enum(
    name: str,
    choices: Iterable[str],
    default: str | None = None,
    ec: str | None = None,
    aliases: Iterable[tuple[str, str]] = (),
) -> Param:
    return Param(name, "enum", choices=tuple(choices), default=default, ec=ec, aliases=tuple(aliases))


def Hex(name: str, default: str | None = None, ec: str | None = None) -> Param:
    return Param(name, "hex", default=default, ec=ec)


def B64(name: str, default: str | None = None, ec: str | None = None) -> Param:
    return Param(name, "b64", default=default, ec=ec)


def Embedded(name: str, actions: Iterable[str], percent_on: str = "", ec: str | None = None) -> Param:
    return Param(name, "embedded", choices=tuple(actions), ec=ec, percent_on=percent_on)


def b64decode(raw: str) -> str:
    """URL-safe base64, padded or not (OSS accepts both), to text; ValueError if it is not that."""
    try:
        return base64.b64decode(raw + "=" * (-len(raw) % 4), altchars=b"-_", validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ValueError(str(exc)) from None


def b64encode(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def parse_value(param: Param, raw: str, label: str | None = None) -> Any:
    """Typed value of `raw`, or InvalidArgument with the parameter's EC."""
    label = label or param.name
    if param.kind == "int":
        pattern = _INT if param.lo is not None and param.lo < 0 else _UINT
        if not pattern.fullmatch(raw):
            raise invalid_value(label, raw, param.ec)
        value = int(raw)
        if (param.lo is not None and value < param.lo) or (param.hi is not None and value > param.hi):
            raise invalid_value(label, raw, param.ec)
        return value
    if param.kind == "enum":
        choice = dict(param.aliases).get(raw, raw)
        if choice not in param.choices:
            raise invalid_value(label, raw, param.ec)
        return choice
    if param.kind == "hex":
        if not _HEX6.fullmatch(raw):
            raise invalid_value(label, raw, param.ec)
        return raw.upper()
    if param.kind in ("b64", "embedded"):  # the grammar reads an embedded image's own chain
        try:
            return b64decode(raw)
        except ValueError:
            raise invalid_value(label, raw, param.ec) from None
    raise AssertionError(f"unknown parameter kind {param.kind}")


def format_value(param: Param, value: Any) -> str:
    """The canonical text of a typed value (used for the canonical process string)."""
    if param.kind == "embedded":
        return b64encode(value.text)
    return b64encode(value) if param.kind == "b64" else str(value)
