"""Settings read from the environment: a dataclass's fields, each from its upper-case name."""

from __future__ import annotations

import os
from dataclasses import fields


def from_env(cls, env=os.environ):
    """`cls` with each field set from env[FIELD_NAME] when present (ints parsed), else its default."""
    values = {}
    for f in fields(cls):
        raw = env.get(f.name.upper())
        if raw:
            values[f.name] = raw if f.type == "str" else int(raw)
    return cls(**values)
