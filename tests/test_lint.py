"""The code passes ruff, mypy and the import contracts (configuration in pyproject.toml), so CI
keeps it tidy, typed, and shaped as the README's tree says."""

import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PACKAGE = ROOT / "function" / "ossimg"
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())


def run(*command: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "function")}  # lint-imports imports the package
    result = subprocess.run([str(BIN / command[0]), *command[1:]], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_check():
    run("ruff", "check", "function", "devtools", "tests", "bench")


def test_ruff_format():
    run("ruff", "format", "--check", "function", "devtools", "tests", "bench")


def test_types():
    run("mypy")  # over function/, strict in core/ (no untyped definitions)


def test_import_contracts():
    run("lint-imports", "--no-cache")  # no import circle, no import from a lower layer up


def test_every_part_of_a_layered_package_has_its_layer():
    """A module or folder left out of its package's layers would be free to import anything."""
    for contract in CONFIG["tool"]["importlinter"]["contracts"]:
        for container in contract.get("containers", []):
            folder = ROOT / "function" / Path(*container.split("."))
            parts = {p.stem for p in folder.glob("*.py") if p.name != "__init__.py"}
            parts |= {p.name for p in folder.iterdir() if (p / "__init__.py").exists()}
            named = {name.strip() for layer in contract["layers"] for name in layer.replace(":", "|").split("|")}
            assert parts == named, f"{container}: {sorted(parts ^ named)}"


def test_no_folder_but_the_actions_holds_more_than_ten_modules():
    for folder in [PACKAGE, *(p.parent for p in PACKAGE.rglob("__init__.py"))]:
        modules = [p for p in folder.glob("*.py") if p.name != "__init__.py"]
        assert folder.name == "actions" or len(modules) <= 10, f"{folder.relative_to(ROOT)}: {len(modules)} modules"
