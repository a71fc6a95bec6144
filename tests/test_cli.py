"""`python -m ossimg`: the same pipeline on local files."""

import io
import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from conftest import SAMPLES
from ossimg.__main__ import main
from ossimg.core.actions.params import b64encode


def test_process_writes_the_output(tmp_path, capsys):
    out = tmp_path / "small.webp"
    assert main(["process", str(SAMPLES / "example.jpg"), "image/resize,w_100/format,webp", "-o", str(out)]) == 0
    assert Image.open(out).size == (100, 67) and Image.open(out).format == "WEBP"
    assert "image/webp" in capsys.readouterr().out


def test_info_prints_oss_json(capsys):
    assert main(["info", str(SAMPLES / "f.jpg")]) == 0
    assert json.loads(capsys.readouterr().out)["Orientation"] == {"value": "7"}


def test_styles_and_watermarks_come_from_the_root_folder(tmp_path):
    shutil.copy(SAMPLES / "example.jpg", tmp_path / "photo.jpg")
    shutil.copy(SAMPLES / "example.jpg", tmp_path / "mark.jpg")
    (tmp_path / "_styles").mkdir()
    (tmp_path / "_styles" / "thumb").write_text(f"image/resize,w_50/watermark,image_{b64encode('mark.jpg')}\n")
    out = tmp_path / "out.jpg"
    assert main(["process", str(tmp_path / "photo.jpg"), "style/thumb", "-o", str(out)]) == 0
    assert Image.open(out).size == (50, 33)


def test_errors_are_reported_with_their_code(tmp_path, capsys):
    assert main(["process", str(SAMPLES / "example.jpg"), "image/resize,w_0", "-o", str(tmp_path / "x")]) == 2
    assert "0040-00000312" in capsys.readouterr().err
    assert main(["process", str(tmp_path / "missing.jpg"), "image/resize,w_10", "-o", str(tmp_path / "x")]) == 2


OSSIMG = Path(sys.executable).parent / "ossimg"  # the console command `make test` installs


def command(*args: str, shell: str | None = None) -> subprocess.CompletedProcess:
    line = shell or " ".join(shlex.quote(a) for a in (str(OSSIMG), *args))
    return subprocess.run(line, shell=True, executable="/bin/bash", capture_output=True, timeout=60, cwd=SAMPLES.parent)


@pytest.mark.skipif(not OSSIMG.exists(), reason="the ossimg command is installed by make test")
class TestCommand:
    def test_process_and_info(self, tmp_path):
        out = tmp_path / "a.png"
        result = command("process", "samples/example.jpg", "image/resize,w_60/format,png", "-o", str(out))
        assert result.returncode == 0 and Image.open(out).size == (60, 40)
        assert json.loads(command("info", "samples/f.jpg").stdout)["Orientation"] == {"value": "7"}

    def test_a_missing_output_folder_is_one_line(self, tmp_path):
        result = command("process", "samples/example.jpg", "image/resize,w_60", "-o", str(tmp_path / "no/such/a.jpg"))
        assert result.returncode == 2 and b"Traceback" not in result.stderr
        assert result.stderr.decode().strip() == f"cannot write {tmp_path / 'no/such/a.jpg'}: No such file or directory"

    def test_a_closed_pipe_is_quiet(self):
        big = f"{shlex.quote(str(OSSIMG))} process samples/example.jpg image/resize,w_3000,limit_0/format,bmp -o -"
        result = command(shell=f"set -o pipefail; {big} | head -c 10 >/dev/null")
        assert result.stderr == b"" and result.returncode == 0
        info = command(shell=f"set -o pipefail; {shlex.quote(str(OSSIMG))} info samples/f.jpg | head -c 5 >/dev/null")
        assert info.stderr == b""

    def test_stdout_output_is_the_image(self):
        result = command("process", "samples/example.jpg", "image/resize,w_30/format,png", "-o", "-")
        assert result.returncode == 0 and Image.open(io.BytesIO(result.stdout)).size == (30, 20)
