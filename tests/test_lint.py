"""The code passes ruff (configuration in pyproject.toml), so CI keeps it tidy."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUFF = str(Path(sys.executable).parent / "ruff")


def test_ruff_check():
    result = subprocess.run(
        [RUFF, "check", "function", "devtools", "tests", "bench"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format():
    result = subprocess.run(
        [RUFF, "format", "--check", "function", "devtools", "tests", "bench"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
