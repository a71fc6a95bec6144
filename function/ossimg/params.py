"""Parameters declared as data, and the one validator that reads the declarations.

Each action module lists its parameters (name, type, range, default, OSS error code);
`parse_value` turns the raw text of one parameter into a typed value or an OssError.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import invalid_value

_UINT = re.compile(r"\d{1,9}")
_INT = re.compile(r"-?\d{1,9}")
_HEX6 = re.compile(r"[0-9A-Fa-f]{6}")


@dataclass(frozen=True)
class Param:
    name: str
    kind: str = "int"  # "int" | "enum" | "hex"
    lo: int | None = None
    hi: int | None = None
    choices: tuple[str, ...] = ()
    default: object = None
    ec: str | None = None
    aliases: tuple[tuple[str, str], ...] = ()  # enum spellings mapped to a canonical value
    required: bool = False


def Int(name, lo=None, hi=None, default=None, ec=None, required=False) -> Param:
    return Param(name, "int", lo, hi, default=default, ec=ec, required=required)


def Enum(name, choices, default=None, ec=None, aliases=()) -> Param:
    return Param(name, "enum", choices=tuple(choices), default=default, ec=ec, aliases=tuple(aliases))


def Hex(name, default=None, ec=None) -> Param:
    return Param(name, "hex", default=default, ec=ec)


def parse_value(param: Param, raw: str, label: str | None = None):
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
        value = dict(param.aliases).get(raw, raw)
        if value not in param.choices:
            raise invalid_value(label, raw, param.ec)
        return value
    if param.kind == "hex":
        if not _HEX6.fullmatch(raw):
            raise invalid_value(label, raw, param.ec)
        return raw.upper()
    raise AssertionError(f"unknown parameter kind {param.kind}")


def format_value(value) -> str:
    """The canonical text of a typed value (used for the canonical process string)."""
    return str(value)
