"""Every module of a built artifact carries the bytecode its interpreter will use, unchanged.

Run by the interpreter the artifact is for (CPython 3.13: `devtools/python3.13`, or the emulated
runtime itself): `python3.13 devtools/bytecode.py FOLDER...` prints each .py whose
`__pycache__/<name>.<cache tag>.pyc` is missing, was written by another Python, is not an
unchecked hash-based pyc (Lambda's read-only filesystem can neither rewrite a timestamped pyc
whose mtime moved in the zip, nor write a missing one: the module would be compiled at every cold
start), or was compiled from other source. Exits 1 when any is found. Standard library only.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

UNCHECKED_HASH = 0b01  # PEP 552 flags: hash-based, source not checked at import


def cached_path(source: Path) -> Path:
    return Path(importlib.util.cache_from_source(str(source)))


def problem(source: Path) -> str | None:
    pyc = cached_path(source)
    try:
        header = pyc.read_bytes()[:16]
    except OSError:
        return "no .pyc"
    if header[:4] != importlib.util.MAGIC_NUMBER:
        return f"bytecode of another Python (magic {header[:4].hex()})"
    if int.from_bytes(header[4:8], "little") != UNCHECKED_HASH:
        return "not an unchecked hash-based .pyc"
    if header[8:16] != importlib.util.source_hash(source.read_bytes()):
        return "stale: compiled from other source"
    return None


def problems(folders: list[Path]) -> tuple[int, list[str]]:
    """(modules checked, one line per module whose bytecode would not be used as shipped)."""
    checked, found = 0, []
    for folder in folders:
        for source in sorted(folder.rglob("*.py")):
            checked += 1
            if (why := problem(source)) is not None:
                found.append(f"{source}: {why}")
    return checked, found


def main(args: list[str]) -> int:
    checked, found = problems([Path(a) for a in args])
    for line in found:
        print(line)
    print(f"{checked} modules, {checked - len(found)} with {sys.implementation.cache_tag} bytecode as shipped")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
