"""`make bench`: the real handler path against a naive Pillow reference, on realistic images.

Each case runs through app.handler (REST event -> source bytes -> pipeline -> base64 response)
and, in the same process and alternating with it, a naive Pillow version of the same job
(open, exif_transpose, LANCZOS, save). Memory is measured in a fresh process per case.
"""

from __future__ import annotations

import base64
import io
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench import s3_reads

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "bench" / "images"
MADE = ROOT / "out" / "bench-images"  # inputs made from the ones above when the bench runs
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
SHARP_VERSION = "0.35.5"
SHARP_DIR = Path(os.environ.get("SHARP_DIR", "/tmp/ossimg-bench-sharp"))  # never inside the project
SHARP_ITERS = 3


def jpeg(quality: int = 85) -> list:
    return ["jpeg", {"quality": quality}]


def sharp(ops: list, output: list, animated: bool = False) -> dict:
    return {"ops": ops, "output": output, "animated": animated}


# (name, source file, process string, naive job, the same job for sharp)
CASES = [
    ("jpeg 12MP -> w300", "photo_4000x3000.jpg", "image/resize,w_300/quality,Q_85", ("resize", 300, "JPEG"),
     sharp([["resize", {"width": 300}]], jpeg())),
    ("jpeg 12MP -> w1920", "photo_4000x3000.jpg", "image/resize,w_1920/quality,Q_85", ("resize", 1920, "JPEG"),
     sharp([["resize", {"width": 1920}]], jpeg())),
    ("jpeg 12MP -> crop 1000", "photo_4000x3000.jpg", "image/crop,x_1500,y_1000,w_1000,h_1000/quality,Q_85",
     ("crop", (1500, 1000, 2500, 2000), "JPEG"),
     sharp([["extract", {"left": 1500, "top": 1000, "width": 1000, "height": 1000}]], jpeg())),
    ("jpeg 12MP -> rotate 90", "photo_4000x3000.jpg", "image/rotate,90/quality,Q_85", ("rotate", 90, "JPEG"),
     sharp([["rotate", 90]], jpeg())),
    ("jpeg 12MP -> w1920 webp", "photo_4000x3000.jpg", "image/resize,w_1920/format,webp/quality,Q_80",
     ("resize", 1920, "WEBP"), sharp([["resize", {"width": 1920}]], ["webp", {"quality": 80}])),
    ("jpeg 12MP -> w1920 avif", "photo_4000x3000.jpg", "image/resize,w_1920/format,avif/quality,Q_60",
     ("resize", 1920, "AVIF"), sharp([["resize", {"width": 1920}]], ["avif", {"quality": 60}])),
    ("jpeg 12MP -> w1920 heic", "photo_4000x3000.jpg", "image/resize,w_1920/format,heic/quality,Q_60",
     ("resize", 1920, "HEIF"), sharp([["resize", {"width": 1920}]], ["heif", {"quality": 60, "compression": "hevc"}])),
    ("jpeg 1920 -> blur s3", "photo_1920x1440.jpg", "image/blur,r_9,s_3/quality,Q_85", ("blur", 3, "JPEG"),
     sharp([["blur", 3]], jpeg())),
    ("gif 30 frames -> w200", "anim_500x500x30.gif", "image/resize,w_200", ("frames", 200, "GIF"),
     sharp([["resize", {"width": 200}]], ["gif", {}], animated=True)),
    ("webp 12MP -> w300 jpeg", "photo_4000x3000.webp", "image/resize,w_300/format,jpg/quality,Q_85",
     ("resize", 300, "JPEG"), sharp([["resize", {"width": 300}]], jpeg())),
    ("png RGBA -> w300", "cutout_1920x1080.png", "image/resize,w_300", ("resize", 300, "PNG"),
     sharp([["resize", {"width": 300}]], ["png", {}])),
    ("heic 12MP -> w1920 jpeg", "photo_4000x3000.heic", "image/resize,w_1920/format,jpg/quality,Q_85",
     ("resize", 1920, "JPEG"), sharp([["resize", {"width": 1920}]], jpeg())),
    ("tiff 12MP -> w1920 jpeg", "photo_4000x3000.tiff", "image/resize,w_1920/format,jpg/quality,Q_85",
     ("resize", 1920, "JPEG"), sharp([["resize", {"width": 1920}]], jpeg())),
]  # fmt: skip


def make_inputs() -> None:
    """The inputs not kept in the repository, made once from the ones that are."""
    from PIL import Image

    MADE.mkdir(parents=True, exist_ok=True)
    tiff = MADE / "photo_4000x3000.tiff"
    if not tiff.exists():
        # JPEG inside TIFF, as cameras and scanners write photos (deflate would be 29 MB, over the limit)
        Image.open(IMAGES / "photo_4000x3000.jpg").save(tiff, compression="jpeg", quality=90)


def inputs() -> dict[str, Path]:
    make_inputs()
    return {p.name: p for folder in (IMAGES, MADE) for p in folder.iterdir()}


def setup_app(names: tuple[str, ...] | None = None):
    """app with an in-memory source holding the bench images (or just `names`)."""
    os.environ.setdefault("SOURCE_BUCKET", "bench")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    import app
    from ossimg.service.styles.store import StyleStore
    from ossimg.stores.memory import MemorySource

    source = MemorySource({name: p.read_bytes() for name, p in inputs().items() if not names or name in names})
    app.BACKENDS = app.Backends(source, StyleStore(source, "_styles/", 60))
    return app


def project(app, filename: str, process: str) -> dict:
    """The handler's response, as Lambda would return it (its body still base64)."""
    from devtools.events import FakeContext, rest_event

    result = app.handler(rest_event("GET", f"/{filename}", f"x-oss-process={process}"), FakeContext())
    assert result["statusCode"] == 200, result.get("body", "")[:300]
    return result


def naive(filename: str, job: tuple) -> bytes:
    import pillow_heif
    from PIL import Image, ImageFilter, ImageOps

    pillow_heif.register_heif_opener()
    kind, value, fmt = job
    image = Image.open(inputs()[filename])
    out = io.BytesIO()
    if kind == "frames":
        frames = []
        for index in range(image.n_frames):
            image.seek(index)
            frame = image.convert("RGBA")
            frames.append(frame.resize((value, round(frame.height * value / frame.width)), Image.Resampling.LANCZOS))
        frames[0].save(out, fmt, save_all=True, append_images=frames[1:], duration=image.info.get("duration"), loop=0)
        return out.getvalue(), frames[0]
    image = ImageOps.exif_transpose(image)
    if kind == "resize":
        image = image.resize((value, round(image.height * value / image.width)), Image.Resampling.LANCZOS)
    elif kind == "crop":
        image = image.crop(value)
    elif kind == "rotate":
        image = image.rotate(-value, expand=True)
    elif kind == "blur":
        image = image.filter(ImageFilter.GaussianBlur(value))
    image.save(out, fmt)
    return out.getvalue(), image


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def psnr(encoded: bytes, reference) -> str:
    """PSNR (dB) of an output, decoded (an animation's first frame) and seen over white, against
    the full-quality reference: the naive full-decode LANCZOS result before it is encoded."""
    import math

    import pillow_heif
    from PIL import Image, ImageChops

    pillow_heif.register_heif_opener()
    x, y = _as_seen(Image.open(io.BytesIO(encoded))), _as_seen(reference)
    if x.size != y.size:
        return f"{x.size[0]}x{x.size[1]}?"
    histogram = ImageChops.difference(x, y).histogram()
    mse = sum(count * (level % 256) ** 2 for level, count in enumerate(histogram)) / (3 * x.width * x.height)
    return f"{10 * math.log10(255 * 255 / mse):.1f}" if mse else "inf"


def _as_seen(image):
    """RGB as a viewer sees it: transparency over white (a colour under alpha 0 is invisible)."""
    from PIL import Image

    if "A" not in image.getbands() and "transparency" not in image.info:
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    canvas = Image.new("RGB", rgba.size, (255, 255, 255))
    canvas.paste(rgba, mask=rgba.getchannel("A"))
    return canvas


class Sharp:
    """sharp (libvips) on the same cases, one node process per round; None where it cannot run."""

    def __init__(self, folder: Path):
        self.folder, self.why_not = folder, self._install()

    def _install(self) -> str | None:
        import shutil

        if not shutil.which("node") or not shutil.which("npm"):
            return "node and npm are not installed: no sharp column (apt-get install nodejs npm)"
        if not (SHARP_DIR / "node_modules" / "sharp").is_dir():
            SHARP_DIR.mkdir(parents=True, exist_ok=True)
            done = subprocess.run(
                ["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(SHARP_DIR),
                 f"sharp@{SHARP_VERSION}"],
                capture_output=True, text=True,
            )  # fmt: skip
            if done.returncode:
                return f"npm could not install sharp@{SHARP_VERSION}: {done.stderr.strip()[-200:]}"
        return None

    def round(self) -> dict[str, dict]:
        """{case: {"ms": median of SHARP_ITERS, "file": its output} or {"error": why}}."""
        import json

        cases = [{"name": c[0], "file": c[1], **c[4]} for c in CASES]
        spec = self.folder / "cases.json"
        spec.write_text(json.dumps(cases))
        made = inputs()
        images = self.folder / "images"
        images.mkdir(exist_ok=True)
        for name, path in made.items():
            if not (images / name).exists():
                (images / name).symlink_to(path)
        script = str(ROOT / "bench" / "sharp_cases.js")
        env = {**os.environ, "NODE_PATH": str(SHARP_DIR / "node_modules")}
        out = subprocess.run(
            ["node", script, str(spec), str(images), str(self.folder), str(SHARP_ITERS)],
            capture_output=True, text=True, check=True, env=env,
        )  # fmt: skip
        return {row["case"]: row for row in map(json.loads, out.stdout.splitlines())}


def peak_memory(case: str, which: str) -> float:
    """Extra peak RSS (MB) of one run over an idle, warmed process, measured in a fresh process."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench", "--memory", case, which],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env=os.environ,
    )
    return float(out.stdout.strip().splitlines()[-1])


def memory_child(case_name: str, which: str) -> None:
    name, filename, process, job, _ = next(c for c in CASES if c[0] == case_name)
    app = setup_app()
    project(app, "photo_1920x1440.jpg", "image/resize,w_16")  # warm: imports, caches, first allocations
    naive("photo_1920x1440.jpg", ("resize", 16, "JPEG"))
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak (a forked child inherits its parent's)
    idle = _status_kb("VmRSS")
    project(app, filename, process) if which == "project" else naive(filename, job)
    print((_status_kb("VmHWM") - idle) / 1024)


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(field)


COLD_FLOOR = ["-c", "import PIL.Image, boto3; boto3.client('s3')"]
COLD_APP = ["-m", "bench.cold"]  # import the handler, serve one small request (see bench/cold.py)


def cold_start(argv: list[str], runs: int = 7) -> float:
    """Median wall time (ms) of fresh processes. Bytecode is compiled first, as the build ships it
    to Lambda (PYTHONDONTWRITEBYTECODE would otherwise make every run compile our modules)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", "function", "bench"], cwd=ROOT, check=True)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, *argv], cwd=ROOT, env=_env(), check=True, capture_output=True)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def cold_instructions(argv: list[str]) -> int | None:
    """Instructions executed by one fresh process, counted by valgrind: the same count on every
    run whatever else the machine does (wall times here vary by 20 %). None without valgrind."""
    import re
    import shutil

    if not shutil.which("valgrind"):
        return None
    out = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, *argv],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return int(re.search(r"refs:\s+([\d,]+)", out.stderr).group(1).replace(",", ""))


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": f"{ROOT / 'function'}{os.pathsep}{ROOT}"}


WORST = [  # (source maker, process): the costliest requests within OSS's limits, at 240 MP
    ("RGB PNG", "rgb", "image/resize,w_1000"),
    ("RGB PNG", "rgb", "image/crop,w_15000,h_15000/resize,w_1000"),
    ("RGB PNG", "rgb", "image/blur,r_10,s_5/resize,w_500"),
    ("RGB PNG", "rgb", "image/rounded-corners,r_100/resize,w_1000"),
    ("RGB PNG", "rgb", "image/rotate,90"),
    ("RGB PNG", "rgb", "image/info"),
    ("RGBA PNG", "rgba", "image/resize,w_1000"),
    ("RGBA PNG", "rgba", "image/rounded-corners,r_100/resize,w_1000"),
    ("JPEG", "jpeg", "image/crop,w_14000,h_14000/resize,w_1000"),
    ("JPEG", "jpeg", "image/sharpen,100/resize,w_500"),
    ("GIF", "gif", "image/resize,w_1000"),
    ("TIFF", "tiff", "image/contrast,-50/resize,w_500"),
    ("BMP (RLE)", "bmp", "image/format,jpg"),
    ("WebP (lossless)", "webp", "image/resize,w_1000"),
    ("WebP (lossless)", "webp", "image/average-hue"),
]


def worst_cases() -> None:
    """Each worst case in a fresh child under the template's MemorySize and Lambda's deadline."""
    import tempfile

    from devtools import huge
    from devtools.memory import measure

    makers = {
        "rgb": lambda p: huge.png(p, 15000, 16000, "RGB"),
        "rgba": lambda p: huge.png(p, 15000, 16000, "RGBA"),
        "jpeg": lambda p: huge.jpeg(p, 15000, 16000),
        "gif": lambda p: huge.gif(p, 15000, 16000),
        "tiff": lambda p: huge.tiff(p, 15000, 16000),
        "bmp": lambda p: huge.bmp(p, 15000, 16000),
        "webp": lambda p: huge.webp(p, 15000, 16000),
    }
    memory = os.environ.get("MEMORY_LIMIT_MB", "1769")
    print(f"\nWorst cases: 15000x16000 (240 MP) sources, MemorySize {memory} MB, deadline 26.5 s (fresh child each)\n")
    print("| source | process | answer | peak MB | estimate MB | s | estimate s |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        made = {}
        for label, kind, process in WORST:
            if kind not in made:
                made[kind] = makers[kind](Path(folder) / kind)
            m = measure(made[kind], process, {"MEMORY_LIMIT_MB": memory, "DEADLINE_SECONDS": "26.5"}, timeout=300)
            answer = (
                "200"
                if m.status == 200
                else f"{m.status} {m.message.split(':')[0] if ':' in m.message[:20] else m.code}"
            )
            est_mb = f"{m.estimate_mb:,.0f}" if m.estimate_mb else ""
            est_s = f"{m.estimate_s:.1f}" if m.estimate_s is not None else ""
            print(f"| {label} | `{process}` | {answer} | {m.peak_mb:,.0f} | {est_mb} | {m.seconds:.1f} | {est_s} |")


# Prices (us-east-1, arm64 at 1,769 MB) and S3 latencies assumed for AWS (not measurable here).
GB_SECOND, GB = 0.0000133334, 1769 / 1024
S3_GET, S3_PUT, S3_GB_MONTH = 0.40e-6, 5.00e-6, 0.023
GET_LATENCY_MS, PUT_LATENCY_MS, TRANSFER_MB_S = 20, 30, 80
KEPT_CASES = (0, 1, 10, 8, 4, 5)  # indexes into CASES: thumbnails to format conversions


def derivative_costs(retention_days: int = 30) -> None:
    """Rendering a miss against answering it from a kept derivative, through the handler with the
    output bucket in moto, and what keeping one costs: the table behind StoreDerivativesMs."""
    import boto3
    from moto import mock_aws

    from devtools.events import FakeContext, rest_event
    from ossimg.stores.s3 import S3Outputs

    per_ms = GB_SECOND * GB / 1000  # dollars per ms of one invocation
    print(f"\nKept derivatives ({retention_days}-day retention; dollars per million requests of one derivative)\n")
    print("| derivative | rendering | answered from the bucket | saved per later miss | keeping it | pays after |")
    print("|---|---:|---:|---:|---:|---:|")
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="bench-derived")
        app = setup_app()
        app.BACKENDS = app.BACKENDS._replace(outputs=S3Outputs("bench-derived", s3))
        app.SETTINGS = app.SETTINGS._replace(store_derivatives_ms=0)
        for index in KEPT_CASES:
            name, filename, process, *_ = CASES[index]
            misses, hits = [], []
            for _ in range(5):
                for listed in s3.list_objects_v2(Bucket="bench-derived").get("Contents", []):
                    s3.delete_object(Bucket="bench-derived", Key=listed["Key"])
                event = rest_event("GET", f"/{filename}", f"x-oss-process={process}")
                (_, miss, _), (result, hit, _) = (timed(lambda e=event: app.handler(e, FakeContext())) for _ in "12")
                assert result["headers"].get("X-Derivative") == "hit", result["headers"]
                misses.append(miss), hits.append(hit)
            size = len(base64.b64decode(result["body"]))
            miss = statistics.median(misses)
            hit = statistics.median(hits) + GET_LATENCY_MS + size / TRANSFER_MB_S / 1e3
            saved = (miss - hit) * per_ms * 1e6
            keep = (S3_PUT + PUT_LATENCY_MS * per_ms + size / 1e9 * S3_GB_MONTH * retention_days / 30) * 1e6
            pays = f"{keep / saved:.0f} misses" if saved > 0 else "never"
            cells = (
                f"{name} ({size / 1e3:,.0f} KB)",
                f"{miss:.0f} ms",
                f"{hit:.0f} ms",
                f"${saved:.2f}",
                f"${keep:.2f}",
            )
            print("| " + " | ".join((*cells, pays)) + " |")


FACE_SOURCES = ("photo_1920x1440.jpg", "photo_4000x3000.jpg")
FACE_CASES = (  # (label, process, whether the faces are looked for afresh)
    ("centre crop (no faces)", "image/crop,w_400,h_400,g_center", False),
    ("crop,g_face: found", "image/crop,g_face,w_400,h_400", True),
    ("crop,g_face: remembered (same ETag)", "image/crop,g_face,w_400,h_400", False),
    ("crop,g_auto: found", "image/crop,g_auto", True),
    ("blur,g_faces: found", "image/blur,r_10,s_10,g_faces", True),
)
COLD_DETECTOR = ["-c", "from ossimg.core import faces; faces._session()"]  # numpy, onnxruntime, the session


def face_costs(runs: int = 7) -> None:
    """What finding faces adds to a request, through the handler: found afresh, and remembered for
    the source's ETag by the warm container; and the detector's share of a cold start (paid by the
    first request that looks for faces, never by the others)."""
    from ossimg.core import faces

    app = setup_app()
    print("\nFaces (median ms through the handler)\n")
    print("| source | request | ms |")
    print("|---|---|---:|")
    for filename in FACE_SOURCES:
        for label, process, fresh in FACE_CASES:
            project(app, filename, process)  # warm: the detector loaded, the faces remembered
            times = []
            for _ in range(runs):
                if fresh:
                    faces._CACHE.clear()
                times.append(timed(lambda f=filename, p=process: project(app, f, p))[1])
            print(f"| {filename} | {label} | {statistics.median(times):.0f} |")
    image, _ = faces._probe((IMAGES / FACE_SOURCES[0]).read_bytes(), True)
    alone = statistics.median(timed(lambda: faces.detect(image))[1] for _ in range(runs))
    print(f"\nThe detector alone (CenterFace over the {faces.PROBE_SIDE} px probe, its net loaded): {alone:.0f} ms")
    # What the container's first face request pays on top of a process that has the faces module
    # (Pillow and the core, which every request has loaded already).
    detector = cold_start(COLD_DETECTOR, runs=21) - cold_start(["-c", "from ossimg.core import faces"], runs=21)
    print(f"Detector's first load (numpy, onnxruntime, the session; once per container): {detector:.0f} ms")


ONLY = [part.strip() for part in os.environ.get("BENCH_ONLY", "").split(",") if part.strip()]


def main() -> None:
    """BENCH_ONLY=png,tiff runs just the cases whose names contain those words, and no more tables;
    BENCH_ONLY=faces, the faces table alone; BENCH_ONLY=s3, what each request reads from S3."""
    import tempfile

    if ONLY == ["faces"]:
        return face_costs()
    if ONLY == ["s3"]:
        return s3_reads.main()

    global CASES
    CASES = [case for case in CASES if not ONLY or any(word in case[0] for word in ONLY)]
    app = setup_app()
    with tempfile.TemporaryDirectory() as scratch:
        vs = Sharp(Path(scratch))
        print(vs.why_not or f"sharp {SHARP_VERSION} from {SHARP_DIR}", file=sys.stderr)
        for _name, filename, process, job, _ in CASES:
            project(app, filename, process), naive(filename, job)  # warm both
        ours = {c[0]: [] for c in CASES}
        cpu = {c[0]: [] for c in CASES}
        theirs = {c[0]: [] for c in CASES}
        naive_ms = {c[0]: [] for c in CASES}
        results, references, sharp_files = {}, {}, {}
        for round_number in range(ROUNDS):  # ours, the naive job and sharp alternate, round by round
            for name, filename, process, job, _ in CASES:
                # The median of as many runs as sharp's side takes in each round: a lone run on a
                # noisy machine would be compared with a median.
                runs = [timed(lambda f=filename, p=process: project(app, f, p)) for _ in range(SHARP_ITERS)]
                results[name], wall, used = sorted(runs, key=lambda run: run[1])[len(runs) // 2]
                (_, references[name]), ref_wall, _ = timed(lambda f=filename, j=job: naive(f, j))
                ours[name].append(wall), cpu[name].append(used), naive_ms[name].append(ref_wall)
            if not vs.why_not:
                for name, row in vs.round().items():
                    if "ms" in row:
                        theirs[name].append(row["ms"])
                        sharp_files[name] = Path(row["file"]).read_bytes()
            print(f"  round {round_number + 1}/{ROUNDS} done", file=sys.stderr)
        rows = []
        for name, *_ in CASES:
            out = base64.b64decode(results[name]["body"])
            ratios = [a / b for a, b in zip(ours[name], theirs[name])]
            rows.append(
                (
                    name,
                    f"{statistics.median(ours[name]):.0f}",
                    f"{statistics.median(cpu[name]):.0f}",
                    f"{peak_memory(name, 'project'):.1f}",
                    f"{len(out):,}",
                    psnr(out, references[name]),
                    f"{statistics.median(naive_ms[name]):.0f}",
                    f"{statistics.median(theirs[name]):.0f}" if theirs[name] else "n/a",
                    psnr(sharp_files[name], references[name]) if name in sharp_files else "",
                    f"**{statistics.median(ratios):.2f}** ({min(ratios):.2f}–{max(ratios):.2f})" if ratios else "",
                )
            )
    header = ("case", "ms", "CPU ms", "peak MB", "out bytes", "PSNR", "naive ms", "sharp ms", "sharp PSNR",
              "ours/sharp (range)")  # fmt: skip
    print(f"\nOSS image benchmark: median of {ROUNDS} rounds; ours, a naive Pillow job and sharp alternating")
    print("peak MB: extra peak RSS of one run over an idle, warmed process (fresh process per case);")
    print("PSNR (dB): the decoded output against the naive full-decode LANCZOS result before encoding;")
    print(
        f"ours/sharp: median of per-round ratios; each side's round is the median of {SHARP_ITERS} runs "
        "(sharp's in its own process)"
    )
    if vs.why_not:
        print(vs.why_not)
    print("\n| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    if ONLY:
        return
    floor, cold = cold_start(COLD_FLOOR), cold_start(COLD_APP)
    print(f"| cold start (import + one small request) | {cold:.0f} | | | | | {floor:.0f} (Pillow + boto3) | | | |")
    floor_ir, ours_ir = cold_instructions(COLD_FLOOR), cold_instructions(COLD_APP)
    if floor_ir and ours_ir:
        print(
            f"\nCold start in instructions (valgrind, exact): {ours_ir / 1e6:,.0f} M against the floor's "
            f"{floor_ir / 1e6:,.0f} M: {ours_ir / floor_ir:.3f}x (target 1.10x)"
        )
    else:
        print("\n(valgrind not found: no instruction count for the cold start)")
    derivative_costs()
    face_costs()
    worst_cases()
    s3_reads.main()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--memory"]:
        memory_child(sys.argv[2], sys.argv[3])
    else:
        main()
