"""Faces: crop,g_face|g_auto and blur,g_face|g_faces on real photographs.

astronaut.jpg (NASA's portrait of Eileen Collins) and grace_hopper.jpg (the U.S. Navy's of Grace
Hopper) are public domain (see samples/faces/LICENSE.txt). Their faces, marked by eye (hairline to
chin, cheek to cheek), are FACE and HOPPER_FACE; every located box is checked against them, and
every output is decoded and compared with the source's own pixels. Small faces are the portraits
shrunk onto face-free photographs, so where each face is, is known exactly.
"""

from __future__ import annotations

import pytest
from PIL import Image, ImageChops

from conftest import DEMO, SAMPLES, encoded, mean, open_image, render, run, sample, xml_error
from ossimg.core import faces
from ossimg.core.budget.costs import sight_cost
from ossimg.core.errors import OssError

ASTRONAUT = sample("faces/astronaut.jpg")
SAMPLE_PATH = SAMPLES / "faces" / "astronaut.jpg"
FACE = (177, 56, 274, 180)  # x0, y0, x1, y1 in the 512 x 512 source
HOPPER = sample("faces/grace_hopper.jpg")
HOPPER_FACE = (162, 98, 365, 345)  # in the 512 x 600 source


def source() -> Image.Image:
    return open_image(ASTRONAUT).convert("RGB")


def contains(outer, inner, slack: int = 0) -> bool:
    return (
        outer[0] <= inner[0] + slack
        and outer[1] <= inner[1] + slack
        and outer[2] >= inner[2] - slack
        and outer[3] >= inner[3] - slack
    )


def overlap(a, b) -> float:
    """Intersection over union of two boxes."""
    w = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def where(result: Image.Image, whole: Image.Image) -> tuple[int, int, int, int]:
    """The box of `whole` that `result` (a lossless crop of it) was cut from."""
    for y in range(whole.height - result.height + 1):
        for x in range(whole.width - result.width + 1):
            box = (x, y, x + result.width, y + result.height)
            if not ImageChops.difference(whole.crop(box), result).getbbox():
                return box
    raise AssertionError("the result is not a crop of the source")


def located_box(process: str, data: bytes = ASTRONAUT) -> tuple[int, int, int, int]:
    """The box a face crop kept, from a lossless output compared with the source's pixels."""
    out, _ = run(data, f"{process}/format,png")
    whole = open_image(data).convert("RGB")
    return where(out.convert("RGB"), whole)


def group() -> bytes:
    """Two people: the portrait at full size and at 60 %, side by side on a grey wall (PNG)."""
    portrait = source()
    canvas = Image.new("RGB", (900, 520), (128, 128, 128))
    canvas.paste(portrait, (0, 0))
    canvas.paste(portrait.resize((307, 307), Image.Resampling.LANCZOS), (560, 150))
    return encoded(canvas)


GROUP = group()
GROUP_FACES = [FACE, tuple(round(v * 0.6) + (560, 150)[i % 2] for i, v in enumerate(FACE))]  # 60 %, moved


# The detector


def test_the_portraits_face_is_found():
    sight = faces.look(ASTRONAUT, True)
    assert sight.size == (512, 512)
    assert len(sight.faces) == 1
    assert overlap(sight.faces[0], FACE) > 0.8


def test_every_face_of_a_group_is_found_largest_first():
    found = faces.look(GROUP, True).faces
    assert len(found) == 2
    assert overlap(found[0], GROUP_FACES[0]) > 0.7
    assert overlap(found[1], GROUP_FACES[1]) > 0.6


def test_a_second_portrait_face_is_found():
    found = faces.look(HOPPER, True).faces
    assert len(found) == 1 and overlap(found[0], HOPPER_FACE) > 0.8


def test_faces_are_found_upright_in_an_exif_rotated_photo():
    """A camera's sideways JPEG (pixels stored turned, EXIF Orientation 6): the faces are looked for
    in the upright image, where the cascade can see them, and the crop is of the upright image."""
    upright = open_image(HOPPER)
    exif = Image.Exif()
    exif[0x0112] = 6  # stored turned 90 degrees counter-clockwise: shown after turning it clockwise
    stored = encoded(upright.transpose(Image.Transpose.ROTATE_90), "JPEG", quality=95, exif=exif.tobytes())
    sight = faces.look(stored, True)
    assert sight.size == (512, 600) and len(sight.faces) == 1
    assert overlap(sight.faces[0], HOPPER_FACE) > 0.7
    turned, _ = run(stored, "image/crop,g_face/format,png")
    straight, _ = run(HOPPER, "image/crop,g_face/format,png")
    assert abs(turned.width - straight.width) <= 4 and abs(turned.height - straight.height) <= 4
    small = (16, 16)  # coarse: the two detections may differ by a few pixels
    same = ImageChops.difference(turned.convert("L").resize(small), straight.convert("L").resize(small))
    sideways = ImageChops.difference(
        turned.convert("L").resize(small).transpose(Image.Transpose.ROTATE_90), straight.convert("L").resize(small)
    )
    assert mean(same) < 8 and mean(sideways) > 2 * mean(same), (mean(same), mean(sideways))  # not sideways


def test_faces_are_found_on_a_probe_not_the_full_image():
    image, size = faces._probe(open("bench/images/photo_4000x3000.jpg", "rb").read(), True)
    assert size == (4000, 3000)
    assert max(image.size) == faces.PROBE_SIDE and image.mode == "RGB"


# Small faces: the portraits shrunk so that the face is a share of a face-free photo's longer side.

SCENE = Image.open("bench/images/cutout_1920x1080.png").convert("RGB").resize((3000, 1688))  # a motorbike


def scene(placed, background: Image.Image = SCENE) -> tuple[Image.Image, list]:
    """`background` with (portrait, its face, share, (x, y) as shares of the sides) pasted in; the faces."""
    canvas, where = background.copy(), []
    for data, face, share, (px, py) in placed:
        portrait = open_image(data).convert("RGB")
        f = share * max(canvas.size) / (face[3] - face[1])
        small = portrait.resize((round(portrait.width * f), round(portrait.height * f)), Image.Resampling.LANCZOS)
        x, y = round(px * (canvas.width - small.width)), round(py * (canvas.height - small.height))
        canvas.paste(small, (x, y))
        where.append((x + face[0] * f, y + face[1] * f, x + face[2] * f, y + face[3] * f))
    return canvas, where


@pytest.mark.parametrize(
    "portrait, face, position",
    [
        (ASTRONAUT, FACE, (0.0, 0.0)),
        (ASTRONAUT, FACE, (0.5, 0.5)),
        (ASTRONAUT, FACE, (1.0, 1.0)),
        (HOPPER, HOPPER_FACE, (1.0, 0.0)),
        (HOPPER, HOPPER_FACE, (0.25, 0.8)),
    ],
)
def test_a_face_2_percent_of_the_longer_side_is_found_wherever_it_is(portrait, face, position):
    image, (expected,) = scene([(portrait, face, 0.02, position)])
    found = faces.look(encoded(image, "JPEG", quality=90), True).faces
    assert len(found) == 1 and overlap(found[0], expected) > 0.5, (found, expected)


@pytest.mark.parametrize("share", [0.03, 0.05, 0.1])
def test_faces_of_every_size_between_are_found(share):
    image, (expected,) = scene([(HOPPER, HOPPER_FACE, share, (0.7, 0.3))])
    found = faces.look(encoded(image, "JPEG", quality=90), True).faces
    assert len(found) == 1 and overlap(found[0], expected) > 0.5, (found, expected)


def test_two_small_faces_are_both_found_largest_first():
    image, expected = scene([(ASTRONAUT, FACE, 0.04, (0.15, 0.6)), (HOPPER, HOPPER_FACE, 0.025, (0.8, 0.2))])
    found = faces.look(encoded(image, "JPEG", quality=90), True).faces
    assert len(found) == 2
    assert overlap(found[0], expected[0]) > 0.5 and overlap(found[1], expected[1]) > 0.5


def test_a_small_face_in_a_sideways_exif_photo_is_found_upright():
    image, (expected,) = scene([(ASTRONAUT, FACE, 0.025, (0.3, 0.4))])
    exif = Image.Exif()
    exif[0x0112] = 6  # stored turned 90 degrees counter-clockwise
    stored = encoded(image.transpose(Image.Transpose.ROTATE_90), "JPEG", quality=90, exif=exif.tobytes())
    sight = faces.look(stored, True)
    assert sight.size == image.size and len(sight.faces) == 1
    assert overlap(sight.faces[0], expected) > 0.5


@pytest.mark.parametrize(
    "photo",
    [
        pytest.param(lambda: DEMO, id="oss-demo"),
        pytest.param(lambda: encoded(SCENE, "JPEG"), id="motorbike"),
        pytest.param(lambda: sample("exif-orientation/Landscape_1.jpg"), id="landscape"),
        pytest.param(lambda: sample("example.gif"), id="gif"),
        pytest.param(lambda: crop_of("bench/images/photo_1920x1440.jpg", (960, 720, 1920, 1440)), id="cat"),
        pytest.param(lambda: crop_of("bench/images/photo_1920x1440.jpg", (0, 0, 1920, 720)), id="bike-and-coffee"),
    ],
)
def test_a_face_free_photo_yields_no_face(photo):
    assert faces.look(photo(), True).faces == ()


def crop_of(path: str, box) -> bytes:
    return encoded(Image.open(path).convert("RGB").crop(box), "JPEG", quality=90)


def test_a_source_is_looked_at_once_per_etag(monkeypatch):
    calls = []
    real = faces.look
    monkeypatch.setattr(faces, "look", lambda data, orient: calls.append(1) or real(data, orient))
    faces._CACHE.clear()
    for process in ("crop,g_face", "crop,g_face,p_150", "blur,r_5,s_5,g_faces"):
        rendered = render_tagged(ASTRONAUT, process, tag='"etag-1"')
        assert rendered.body
    assert len(calls) == 1
    render_tagged(ASTRONAUT, "crop,g_face", tag='"etag-2"')  # another object (or a new version)
    assert len(calls) == 2


def render_tagged(data: bytes, process: str, tag: str):
    from ossimg.core.grammar import parse
    from ossimg.core.pipeline import Job
    from ossimg.core.pipeline import render as pipeline_render

    return pipeline_render(data, parse("image/" + process), Job(source_tag=tag))


# crop,g_face


def test_crop_g_face_keeps_the_face():
    box = located_box("image/crop,g_face")
    assert overlap(box, FACE) > 0.8


@pytest.mark.parametrize("percent", [50, 150, 200])
def test_crop_g_face_scales_the_face_box_by_p(percent):
    plain, scaled = located_box("image/crop,g_face"), located_box(f"image/crop,g_face,p_{percent}")
    side = plain[2] - plain[0]
    assert abs((scaled[2] - scaled[0]) - side * percent / 100) <= 2
    # About the face's centre, and cut at the image's edge (at 200 % the box starts above the top).
    expected = faces.pixel_box(faces.scaled_about_centre(faces.look(ASTRONAUT, True).faces[0], percent), (512, 512))
    assert max(abs(a - b) for a, b in zip(scaled, expected)) <= 1
    if percent > 100:
        assert contains(scaled, FACE, slack=2)


def test_crop_g_face_with_w_and_h_centres_that_box_on_the_face():
    box = located_box("image/crop,g_face,w_300,h_200")
    assert (box[2] - box[0], box[3] - box[1]) == (300, 200)
    assert contains(box, FACE)
    face = faces.look(ASTRONAUT, True).faces[0]
    assert abs(box[0] + 150 - (face[0] + face[2]) / 2) <= 1  # centred on the face
    assert abs(box[1] + 100 - (face[1] + face[3]) / 2) <= 1


def test_crop_g_face_box_is_moved_inside_the_image():
    box = located_box("image/crop,g_face,w_500,h_500")
    assert box == (0, 0, 500, 500)  # centred on the face it would start above the top edge


def test_crop_g_face_without_a_face_is_a_centre_crop():
    out, _ = run(DEMO, "image/crop,g_face,w_100,h_80/format,png")
    centre, _ = run(DEMO, "image/crop,g_center,w_100,h_80/format,png")
    assert out.size == (100, 80)
    assert not ImageChops.difference(out, centre).getbbox()
    whole, _ = run(DEMO, "image/crop,g_face/format,png")
    assert whole.size == (400, 267)


def test_crop_g_face_in_a_group_takes_the_largest():
    box = located_box("image/crop,g_face", GROUP)
    assert overlap(box, GROUP_FACES[0]) > 0.7


def test_crop_g_face_after_a_resize_finds_the_face_where_it_went():
    out, _ = run(ASTRONAUT, "image/resize,w_256/crop,g_face/format,png")
    half = tuple(v / 2 for v in FACE)
    full, _ = run(ASTRONAUT, "image/resize,w_256/format,png")
    box = where(out.convert("RGB"), full.convert("RGB"))
    assert overlap(box, half) > 0.7


def test_crop_g_face_after_a_rotation_finds_the_face_where_it_went():
    out, _ = run(ASTRONAUT, "image/rotate,90/crop,g_face/format,png")
    turned, _ = run(ASTRONAUT, "image/rotate,90/format,png")
    box = where(out.convert("RGB"), turned.convert("RGB"))
    x0, y0, x1, y1 = FACE
    assert overlap(box, (512 - y1, x0, 512 - y0, x1)) > 0.7  # clockwise: (x, y) -> (H - y, x)


def test_crop_g_face_then_resize_plans_from_the_located_box():
    out, rendered = run(ASTRONAUT, "image/crop,g_face/resize,w_50")
    face = faces.look(ASTRONAUT, True).faces[0]
    assert out.width == 50 and abs(out.height - 50 * (face[3] - face[1]) / (face[2] - face[0])) <= 1
    assert out.format == "JPEG"
    assert rendered.cost is not None


def test_crop_g_face_keeps_an_animation_animated():
    frames = [source().resize((256, 256)), source().resize((256, 256)).transpose(Image.Transpose.FLIP_TOP_BOTTOM)]
    gif = encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    out, _ = run(gif, "image/crop,g_face")
    assert out.format == "GIF" and out.n_frames == 2
    assert overlap((0, 0, *out.size), (0, 0, 48, 48)) > 0.5  # about the face's size at half scale


# crop,g_auto


def test_crop_g_auto_keeps_the_face_with_room_around_it():
    box = located_box("image/crop,g_auto")
    assert contains(box, FACE, slack=2)
    assert box[2] - box[0] > 1.6 * (FACE[2] - FACE[0])


def test_crop_g_auto_ignores_w_h_and_p():
    assert located_box("image/crop,g_auto,w_10,h_10,p_50") == located_box("image/crop,g_auto")


def test_crop_g_auto_in_a_group_keeps_everyone():
    box = located_box("image/crop,g_auto", GROUP)
    assert all(contains(box, face, slack=4) for face in GROUP_FACES)


def test_crop_g_auto_without_a_face_keeps_the_detailed_part():
    texture = Image.effect_noise((200, 150), 80).convert("RGB")
    flat = Image.new("RGB", (600, 450), (90, 120, 150))
    flat.paste(texture, (380, 280))
    data = encoded(flat)
    box = located_box("image/crop,g_auto", data)
    assert (box[2] - box[0], box[3] - box[1]) == (400, 300)  # two thirds of each side
    assert contains(box, (380, 280, 580, 430))


# blur,g_face|g_faces


def changed(before: Image.Image, after: Image.Image):
    return ImageChops.difference(before.convert("RGB"), after.convert("RGB")).getbbox()


def test_blur_g_faces_blurs_every_face_and_nothing_else():
    out, _ = run(GROUP, "image/blur,r_10,s_10,g_faces")
    original = open_image(GROUP)
    boxes = [faces.pixel_box(box, (900, 520)) for box in faces.look(GROUP, True).faces]
    for box in boxes:
        assert changed(original.crop(box), out.crop(box))  # blurred
    # Outside the boxes, byte for byte the source: painted over, the two images are equal.
    masked_out, masked_in = out.convert("RGB"), original.convert("RGB")
    for box in boxes:
        masked_out.paste((0, 0, 0), box)
        masked_in.paste((0, 0, 0), box)
    assert not changed(masked_in, masked_out)


def test_blur_g_face_blurs_only_the_largest():
    out, _ = run(GROUP, "image/blur,r_10,s_10,g_face")
    original = open_image(GROUP)
    largest, other = (faces.pixel_box(b, (900, 520)) for b in faces.look(GROUP, True).faces)
    area = changed(original, out)
    assert area and contains(largest, area)
    assert not changed(original.crop(other), out.crop(other))


@pytest.mark.parametrize("percent", [50, 200])
def test_blur_p_scales_the_blurred_box(percent):
    original = source()
    out, _ = run(ASTRONAUT, f"image/blur,r_10,s_10,g_face,p_{percent}/format,png")
    area = changed(original, out)
    face = faces.look(ASTRONAUT, True).faces[0]
    expected = faces.pixel_box(faces.scaled_about_centre(face, percent), (512, 512))
    assert area and contains(expected, area)
    assert (area[2] - area[0]) >= 0.9 * (expected[2] - expected[0])


def test_blur_without_a_face_leaves_the_image_as_it_was():
    out, _ = run(DEMO, "image/blur,r_10,s_10,g_faces/format,png")
    reference, _ = run(DEMO, "image/format,png")
    assert not changed(reference, out)


def test_blur_p_without_g_blurs_the_whole_image():
    plain, _ = run(DEMO, "image/blur,r_3,s_2/format,png")
    with_p, _ = run(DEMO, "image/blur,r_3,s_2,p_50/format,png")
    assert not changed(plain, with_p)


# Errors, limits, costs


def test_without_the_detector_a_clear_400(monkeypatch):
    monkeypatch.setattr(faces, "available", lambda: False)
    for process in ("image/crop,g_face", "image/crop,g_auto", "image/blur,r_3,s_3,g_faces"):
        with pytest.raises(OssError) as caught:
            render(ASTRONAUT, process)
        assert caught.value.status == 400 and caught.value.code == "InvalidArgument"
        assert "FaceDetection" in caught.value.message


def test_g_face_in_a_watermarks_own_processing_is_refused():
    import base64

    mark = base64.urlsafe_b64encode(b"faces/astronaut.jpg?x-oss-process=image/crop,g_face").decode()
    with pytest.raises(OssError) as caught:
        render(DEMO, f"image/watermark,image_{mark}", resources={"faces/astronaut.jpg": ASTRONAUT})
    assert caught.value.status == 400


def test_the_probe_is_costed_small_for_a_jpeg_whatever_its_size():
    from ossimg.core.codecs.decode import probe

    big = sight_cost(probe(open("bench/images/photo_4000x3000.jpg", "rb").read()))
    small = sight_cost(probe(ASTRONAUT))
    assert big.megabytes - small.megabytes < 20  # a 1/2-scale decode (2000 x 1500): the net dominates
    assert big.megabytes < 400 and big.seconds < 1.5


def test_face_requests_through_the_handler(get):
    reply = get("/faces/astronaut.jpg", "x-oss-process=image/crop,g_face,p_120/resize,w_64")
    assert reply.status == 200 and reply.headers["Content-Type"] == "image/jpeg"
    face = faces.look(ASTRONAUT, True).faces[0]
    assert reply.image.width == 64 and abs(reply.image.height - 64 * (face[3] - face[1]) / (face[2] - face[0])) <= 1
    bad = get("/faces/astronaut.jpg", "x-oss-process=image/blur,r_3,s_3,g_face,p_300")
    assert bad.status == 400 and xml_error(bad)["EC"] == "0004-00000244"


# The detector: CenterFace rewritten for onnxruntime, no OpenCV, memory given back


def test_the_rewritten_model_computes_what_the_original_does(tmp_path):
    """The rewrite changes declarations only: the same nodes and weights, so onnx's reference
    evaluator gives the same numbers from both graphs, here at the original's declared shape and
    at one it refused."""
    import numpy
    import onnx
    from onnx.reference import ReferenceEvaluator

    from devtools.face_model import installed_model, rewrite

    rewritten = tmp_path / "centerface.onnx"
    rewrite(installed_model(), rewritten)
    before, after = onnx.load(str(installed_model())), onnx.load(str(rewritten))
    assert [n.SerializeToString() for n in before.graph.node] == [n.SerializeToString() for n in after.graph.node]
    used = {name for node in before.graph.node for name in node.input}
    assert {t.name: t.raw_data for t in before.graph.initializer if t.name in used} == {
        t.name: t.raw_data for t in after.graph.initializer
    }
    assert [i.name for i in after.graph.input] == ["input.1"]
    picture = numpy.asarray(source().resize((96, 64)), numpy.float32)  # sides: multiples of 32
    for batch in (numpy.repeat(numpy.moveaxis(picture[:32, :32], 2, 0)[None], 10, axis=0),
                  numpy.moveaxis(picture, 2, 0)[None]):  # fmt: skip
        expected = ReferenceEvaluator(before).run(None, {"input.1": batch})
        got = ReferenceEvaluator(after).run(None, {"input.1": batch})
        assert all(numpy.array_equal(a, b) for a, b in zip(expected, got))
    assert rewritten.read_bytes() == open(faces.model_path(), "rb").read()  # what the venv runs is that


def test_onnxruntime_runs_the_model_at_any_probe_shape():
    import numpy

    faces.detect(source())  # the session exists
    session, run_options = faces._session()
    for height, width in ((1024, 768), (576, 1024), (64, 96)):
        heat, sizes, offsets, landmarks = session.run(None, {"input.1": numpy.zeros((1, 3, height, width), "f4")})
        assert heat.shape == (1, 1, height // 4, width // 4) and sizes.shape == offsets.shape == (
            1,
            2,
            height // 4,
            width // 4,
        )
        assert landmarks.shape == (1, 10, height // 4, width // 4) and float(heat.max()) < faces.THRESHOLD


def test_no_opencv_anywhere_on_the_way():
    """A detection with cv2 made unimportable: OpenCV is neither needed nor imported."""
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['cv2'] = None\n"
        "from ossimg.core import faces\n"
        f"print(len(faces.look(open({str(SAMPLE_PATH)!r}, 'rb').read(), True).faces), 'cv2' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["1", "True"]  # the one face; cv2 only as the None this test put there


def test_a_container_keeps_only_the_model_between_detections():
    """One session with free dimensions, kept; its buffers given back after every run. Probes of
    four shapes in a row: the resident memory after the last is what it was after the first,
    within the allocator's slack, and far below what a kept arena or a session per shape holds."""
    import subprocess
    import sys

    code = (
        "from PIL import Image\n"
        "from ossimg.core import faces\n"
        f"image = Image.open({str(SAMPLE_PATH)!r}).convert('RGB')\n"
        "def rss():\n"
        "    return next(int(l.split()[1]) // 1024 for l in open('/proc/self/status') if l.startswith('VmRSS'))\n"
        "after = []\n"
        "for size in ((1024, 1024), (1024, 576), (768, 1024), (1024, 1024), (1024, 768)):\n"
        "    faces.detect(image.resize(size)); after.append(rss())\n"
        "print(*after)\n"
    )
    after = [
        int(v)
        for v in subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    ]
    assert max(after) - after[0] <= 64, after  # a kept arena: +100 to +260 MB over the same shapes
