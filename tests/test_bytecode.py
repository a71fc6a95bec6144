"""devtools/bytecode.py, which `make layer-check` runs with CPython 3.13 over the artifact: here
with this interpreter over a small tree, compiled the way the build compiles."""

from __future__ import annotations

import compileall
import py_compile

from devtools import bytecode


def built(tmp_path):
    (tmp_path / "pkg").mkdir()
    for name in ("pkg/__init__.py", "pkg/a.py", "top.py"):
        (tmp_path / name).write_text(f"NAME = {name!r}\n")
    assert compileall.compile_dir(tmp_path, quiet=1, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    return tmp_path


def test_a_tree_compiled_as_the_build_compiles_passes(tmp_path):
    assert bytecode.problems([built(tmp_path)]) == (3, [])


def test_a_missing_stale_or_timestamped_pyc_is_named(tmp_path):
    tree = built(tmp_path)
    bytecode.cached_path(tree / "top.py").unlink()
    (tree / "pkg/a.py").write_text("NAME = 'changed after the build'\n")
    py_compile.compile(str(tree / "pkg/__init__.py"), invalidation_mode=py_compile.PycInvalidationMode.TIMESTAMP)
    checked, found = bytecode.problems([tree])
    assert checked == 3
    assert sorted(line.split(": ", 1)[1] for line in found) == [
        "no .pyc",
        "not an unchecked hash-based .pyc",
        "stale: compiled from other source",
    ]
    assert bytecode.main([str(tree)]) == 1
