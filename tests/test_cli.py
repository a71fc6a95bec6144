"""`python -m ossimg`: the same pipeline on local files."""

import json
import shutil

from PIL import Image

from conftest import SAMPLES
from ossimg.__main__ import main
from ossimg.params import b64encode


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
