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

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "bench" / "images"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))

# (name, source file, process string, naive job)
CASES = [
    ("jpeg 12MP -> w300", "photo_4000x3000.jpg", "image/resize,w_300", ("resize", 300, "JPEG")),
    ("jpeg 12MP -> w1920", "photo_4000x3000.jpg", "image/resize,w_1920", ("resize", 1920, "JPEG")),
    (
        "jpeg 12MP -> crop 1000 centre",
        "photo_4000x3000.jpg",
        "image/crop,w_1000,h_1000,g_center",
        ("crop", 1000, "JPEG"),
    ),
    ("jpeg 12MP -> rotate 90", "photo_4000x3000.jpg", "image/rotate,90", ("rotate", 90, "JPEG")),
    ("jpeg 12MP -> w1920 webp", "photo_4000x3000.jpg", "image/resize,w_1920/format,webp", ("resize", 1920, "WEBP")),
    ("jpeg 12MP -> w1920 avif", "photo_4000x3000.jpg", "image/resize,w_1920/format,avif", ("resize", 1920, "AVIF")),
    ("jpeg 12MP -> w1920 heic", "photo_4000x3000.jpg", "image/resize,w_1920/format,heic", ("resize", 1920, "HEIF")),
    ("jpeg 1920 -> blur r3 s2", "photo_1920x1440.jpg", "image/blur,r_3,s_2", ("blur", 2, "JPEG")),
    ("gif 30 frames -> w200", "anim_500x500x30.gif", "image/resize,w_200", ("frames", 200, "GIF")),
    ("webp 12MP -> w300", "photo_4000x3000.webp", "image/resize,w_300", ("resize", 300, "WEBP")),
    ("png RGBA -> w300", "cutout_1920x1080.png", "image/resize,w_300", ("resize", 300, "PNG")),
]


def setup_app(names: tuple[str, ...] | None = None):
    """app with an in-memory source holding the bench images (or just `names`)."""
    os.environ.setdefault("SOURCE_BUCKET", "bench")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    import app
    from ossimg.service.styles import StyleStore
    from ossimg.stores.memory import MemorySource

    source = MemorySource({p.name: p.read_bytes() for p in IMAGES.iterdir() if not names or p.name in names})
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
    image = Image.open(IMAGES / filename)
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
        left, top = (image.width - value) // 2, (image.height - value) // 2
        image = image.crop((left, top, left + value, top + value))
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


def pixel_difference(ours: bytes, reference) -> str:
    """Mean absolute difference (0-255) of our decoded output from the naive, unencoded result."""
    import pillow_heif
    from PIL import Image, ImageChops, ImageStat

    pillow_heif.register_heif_opener()
    x, y = Image.open(io.BytesIO(ours)).convert("RGB"), reference.convert("RGB")
    if x.size != y.size:
        return f"{x.size} vs {y.size}"
    return f"{sum(ImageStat.Stat(ImageChops.difference(x, y)).mean) / 3:.2f}"


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
    name, filename, process, job = next(c for c in CASES if c[0] == case_name)
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


def main() -> None:
    app = setup_app()
    rows = []
    for name, filename, process, job in CASES:
        project(app, filename, process), naive(filename, job)  # warm both
        p_wall, p_cpu, n_wall, ratios = [], [], [], []
        for _ in range(ROUNDS):
            result, wall, cpu = timed(lambda f=filename, p=process: project(app, f, p))
            (_, reference), ref_wall, _ = timed(lambda f=filename, j=job: naive(f, j))
            p_wall.append(wall), p_cpu.append(cpu), n_wall.append(ref_wall), ratios.append(wall / ref_wall)
        out = base64.b64decode(result["body"])
        rows.append(
            (
                name,
                statistics.median(p_wall),
                statistics.median(p_cpu),
                peak_memory(name, "project"),
                len(out),
                statistics.median(n_wall),
                peak_memory(name, "naive"),
                statistics.median(ratios),
                pixel_difference(out, reference),
            )
        )
        print(f"  {name}: done", file=sys.stderr)
    header = ("case", "ms", "CPU ms", "peak MB", "out bytes", "naive ms", "naive MB", "ratio", "Δpx")
    print(f"\nOSS image benchmark: median of {ROUNDS} rounds, project and naive alternating")
    print("peak MB: extra peak RSS of one run over an idle, warmed process (fresh process per case);")
    print("ratio: median of per-round project/naive; Δpx: mean |difference| (0-255) of our decoded output")
    print("from the naive result before it is encoded (the full-decode, LANCZOS reference)\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        cells = (r[0], f"{r[1]:.0f}", f"{r[2]:.0f}", f"{r[3]:.1f}", f"{r[4]:,}", f"{r[5]:.0f}", f"{r[6]:.1f}")
        print("| " + " | ".join((*cells, f"{r[7]:.2f}", r[8])) + " |")
    floor, ours = cold_start(COLD_FLOOR), cold_start(COLD_APP)
    floor_cell = f"{floor:.0f} (Pillow + boto3 client)"
    print(f"| cold start (import + one small request) | {ours:.0f} | | | | {floor_cell} | | {ours / floor:.2f} | |")
    floor_ir, ours_ir = cold_instructions(COLD_FLOOR), cold_instructions(COLD_APP)
    if floor_ir and ours_ir:
        print(
            f"\nCold start in instructions (valgrind, exact): {ours_ir / 1e6:,.0f} M against the floor's "
            f"{floor_ir / 1e6:,.0f} M: {ours_ir / floor_ir:.3f}x (target 1.10x)"
        )
    else:
        print("\n(valgrind not found: no instruction count for the cold start)")
    worst_cases()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--memory"]:
        memory_child(sys.argv[2], sys.argv[3])
    else:
        main()
