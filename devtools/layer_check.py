"""`make layer-check`: the built layers hold aarch64 binaries of the pinned versions and fit Lambda.

Run after `sam build` (the Makefile target does both). Checks .aws-sam/build:
- every shared object in the imaging, libvips and detector layers is an AArch64 ELF file (machine 0xB7)
  asking no newer glibc or libstdc++ than Lambda's Amazon Linux 2023 has (the emulated run of
  `make arm64-test` uses Debian 13's newer ones, so it could not tell);
- each pinned requirement is installed at exactly its pinned version;
- every .py of the function and the layers carries its CPython 3.13 bytecode, as Lambda will use it
  (devtools/bytecode.py, run by CPython 3.13 itself);
- function + layers stay under 250 MB unzipped (Lambda's limit, whatever the upload), and under our
  own 200 MB target; the detector layer under 100 MB, with the rewritten model (free input sides)
  and its licence, and no OpenCV;
- each layer's zipped size is reported: over 50 MB it can be published only from S3, as
  `sam deploy` does (a direct upload to Lambda's API is limited to 50 MB).
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / ".aws-sam" / "build"
DETECTOR_TARGET = 100 << 20  # the face detector's layer, unzipped
TOTAL_TARGET = 200 << 20  # function + every layer, unzipped: room left under Lambda's 250 MB
UNZIPPED_LIMIT = 250 * 1024 * 1024
ZIPPED_LIMIT = 50 * 1024 * 1024  # a direct upload's; from S3 only the unzipped total counts
AARCH64 = 0xB7
# What Lambda's python3.13 runtime (Amazon Linux 2023) offers: glibc 2.34, GCC 11's libstdc++.
SYSTEM_VERSIONS = {"GLIBC": (2, 34), "GLIBCXX": (3, 4, 29)}
# The template's layers, in its order: Lambda extracts them into /opt one after the other, so a
# later layer's files win. The detector is built unless the template's FaceDetection is false.
LAYERS = ("ImagingLayer", "VipsLayer", "FontsLayer", "DetectorLayer")


def built_layers() -> dict[str, Path]:
    """Each built layer's folder (what /opt receives), in the template's order. The fonts layer
    has no build step: `sam` packages layers/fonts as it is."""
    folders = {name: BUILD / name for name in LAYERS}
    if not folders["FontsLayer"].is_dir():
        folders["FontsLayer"] = ROOT / "layers" / "fonts"
    return {name: folder for name, folder in folders.items() if folder.is_dir()}


def elf_machine(path: Path) -> int | None:
    head = path.read_bytes()[:20]
    if head[:4] != b"\x7fELF":
        return None
    return int.from_bytes(head[18:20], "little" if head[5] == 1 else "big")


def newest_needed(path: Path) -> dict[str, tuple[int, ...]]:
    """The newest version of each system library in SYSTEM_VERSIONS that `path` asks for
    (its ELF version needs, as readelf lists them)."""
    listing = subprocess.run(["readelf", "-V", "--wide", path], capture_output=True, text=True).stdout
    newest: dict[str, tuple[int, ...]] = {}
    for library, version in re.findall(r"Name: (GLIBC|GLIBCXX)_([\d.]+)", listing):
        newest[library] = max(newest.get(library, ()), tuple(int(n) for n in version.split(".")))
    return newest


def dotted(version: tuple[int, ...]) -> str:
    return ".".join(map(str, version))


def size_of(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def zipped_size(folder: Path) -> int:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in folder.rglob("*"):
            if path.is_file():
                archive.write(path, path.relative_to(folder))
    return buf.tell()


def pins(requirements: Path) -> dict[str, str]:
    out = {}
    for line in requirements.read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==")
            out[name.split("[")[0].lower().replace("_", "-")] = version
    return out


def installed(site: Path) -> dict[str, str]:
    out = {}
    for info in site.glob("*.dist-info"):
        name, version = info.name[: -len(".dist-info")].rsplit("-", 1)
        out[name.lower().replace("_", "-")] = version
    return out


def detector_problems(root: Path, have: dict[str, str]) -> list[str]:
    """The detector layer: onnxruntime and numpy, the rewritten model and its licence, no OpenCV."""
    import onnx

    problems = []
    model = root / "models" / "centerface.onnx"
    if not model.is_file():
        problems.append("no CenterFace model (models/centerface.onnx) in the detector layer: faces would not be found")
    elif any(
        dim.dim_value
        for dim in onnx.load(str(model), load_external_data=False).graph.input[0].type.tensor_type.shape.dim[2:]
    ):
        problems.append("the detector layer's model has a fixed input size: it is not the rewritten one")
    if not (root / "models" / "LICENSE.centerface").is_file():
        problems.append("the detector layer lacks the model's licence (models/LICENSE.centerface)")
    if any(name.startswith("opencv") for name in have) or (root / "python" / "cv2").exists():
        problems.append("OpenCV is in the detector layer")
    if size_of(root) > DETECTOR_TARGET:
        problems.append(
            f"the detector layer is {size_of(root) / 2**20:.0f} MB unzipped (our target: {DETECTOR_TARGET >> 20} MB)"
        )
    return problems


def main() -> int:
    problems = []
    layer = BUILD / "ImagingLayer" / "python"
    if not layer.is_dir():
        print(f"no built layer at {layer}: run `sam build` first", file=sys.stderr)
        return 1
    vips = BUILD / "VipsLayer" / "python"
    detector = BUILD / "DetectorLayer" / "python"  # built unless the template's FaceDetection is false
    objects = [p for folder in (layer, vips, detector) if folder.is_dir() for p in folder.rglob("*.so*")]
    wrong = [p for p in objects if p.is_file() and elf_machine(p) not in (None, AARCH64)]
    if not objects:
        problems.append("the imaging layer holds no shared objects")
    problems += [f"not aarch64: {p.relative_to(BUILD)}" for p in wrong]
    if not shutil.which("readelf"):
        problems.append("readelf (binutils) is needed to check the system libraries the layers ask for")
        objects_asking = []
    else:
        objects_asking = [(p, library, version) for p in objects for library, version in newest_needed(p).items()]
    problems += [
        f"{p.relative_to(BUILD)} needs {library}_{dotted(version)}, newer than Lambda's"
        for p, library, version in objects_asking
        if version > SYSTEM_VERSIONS[library]
    ]
    if not list((layer / "pillow.libs").glob("libwebp-*.so*")):
        problems.append(
            "no libwebp in pillow.libs: WebP would decode whole, through Pillow's plugin (see core/codecs/webp.py)"
        )
    if not list(vips.glob("pyvips_binary.libs/libvips-*.so*")) or not list(vips.glob("_libvips.abi3.so")):
        problems.append(
            "no libvips in the VipsLayer: PNG would decode through Pillow's slower plugin (core/codecs/png.py)"
        )
    have = {**installed(layer), **installed(vips), **(installed(detector) if detector.is_dir() else {})}
    wanted = {
        **pins(ROOT / "layers/imaging/requirements.txt"),
        **pins(ROOT / "layers/imaging/requirements-no-deps.txt"),
        **pins(ROOT / "layers/vips/requirements.txt"),
        **pins(ROOT / "layers/vips/requirements-source.txt"),
        **(pins(ROOT / "layers/detector/requirements.txt") if detector.is_dir() else {}),
    }
    problems += detector_problems(detector.parent, have) if detector.is_dir() else []
    if "botocore" in have:
        problems.append("botocore is in the layer: it would shadow the runtime's")
    for name, version in wanted.items():
        if have.get(name) != version:
            problems.append(f"{name}: pinned {version}, built {have.get(name)}")
    layers = built_layers()
    fonts = layers["FontsLayer"]
    if not list((fonts / "fonts").glob("*.tt?")):
        problems.append(f"no fonts in {fonts / 'fonts'}")
    folders = [BUILD / "ImageFunction", *layers.values()]
    total = sum(size_of(f) for f in folders)
    if total > UNZIPPED_LIMIT:
        problems.append(f"function + layers are {total / 2**20:.0f} MB unzipped (limit 250 MB)")
    if total > TOTAL_TARGET:
        problems.append(f"function + layers are {total / 2**20:.0f} MB unzipped (our target: {TOTAL_TARGET >> 20} MB)")
    bytecode = subprocess.run(
        [ROOT / "devtools" / "python3.13", ROOT / "devtools" / "bytecode.py", *folders],
        capture_output=True,
        text=True,
    )
    *missing, summary = bytecode.stdout.splitlines() or [bytecode.stderr.strip()]
    problems += [f"bytecode: {line}" for line in missing]
    if bytecode.returncode and not missing:
        problems.append(f"bytecode check failed: {bytecode.stderr.strip()}")
    for folder in folders[1:]:
        zipped = zipped_size(folder)
        print(f"{folder.relative_to(ROOT)}: {size_of(folder) / 2**20:.1f} MB unzipped, {zipped / 2**20:.1f} MB zipped")
        if zipped > ZIPPED_LIMIT:
            print(f"  over {ZIPPED_LIMIT >> 20} MB zipped: publishable from S3 only (sam deploy uploads it there)")
    system = " and ".join(f"{library}_{dotted(version)}" for library, version in SYSTEM_VERSIONS.items())
    print(f"{len(objects)} shared objects, all aarch64, none asking for more than {system}")
    print(f"function + layers: {total / 2**20:.1f} MB unzipped of Lambda's {UNZIPPED_LIMIT >> 20} MB")
    print(f"bytecode: {summary}")
    for problem in problems:
        print("PROBLEM:", problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
