"""interlace: progressive JPEG output; no effect on other formats."""

from conftest import run, sample


def test_interlace_0_is_baseline_and_other_formats_are_untouched():
    image, _ = run(sample("example.jpg"), "image/interlace,0")
    assert not image.info.get("progressive")
    image, _ = run(sample("example.jpg"), "image/format,png/interlace,1")
    assert image.format == "PNG"
