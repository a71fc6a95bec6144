"""The sample bucket: the OSS demo images, the EXIF orientation set, and the demo image in every format."""

from __future__ import annotations

import io
import mimetypes
from pathlib import Path

from PIL import Image, ImageDraw

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
BUCKET = "oss-image-samples"


def derived_samples() -> dict[str, tuple[bytes, str]]:
    """example.jpg re-encoded in every input format OSS accepts, plus a transparent PNG and a text file."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    base = Image.open(SAMPLES / "example.jpg")
    base.load()
    out = {}
    for key, fmt, ctype in (
        ("example.png", "PNG", "image/png"),
        ("example.webp", "WEBP", "image/webp"),
        ("example.bmp", "BMP", "image/bmp"),
        ("example.tiff", "TIFF", "image/tiff"),
        ("example.heic", "HEIF", "image/heic"),
        ("example.avif", "AVIF", "image/avif"),
    ):
        buf = io.BytesIO()
        base.save(buf, fmt)
        out[key] = (buf.getvalue(), ctype)
    out["transparent.png"] = (_transparent_png(base), "image/png")
    out["panda.png"] = (_mark_png(base), "image/png")  # the watermark OSS's examples use
    out["notes/readme.txt"] = (b"Not an image: processing it gives 400.\n", "text/plain")
    return out


def _transparent_png(base: Image.Image) -> bytes:
    rgba = base.convert("RGBA")
    mask = Image.new("L", base.size, 0)
    ImageDraw.Draw(mask).ellipse((50, 10, 350, 257), fill=255)
    rgba.putalpha(mask)
    buf = io.BytesIO()
    rgba.save(buf, "PNG")
    return buf.getvalue()


def _mark_png(base: Image.Image) -> bytes:
    """A 120x80 round-cornered badge with transparency: a watermark image for the examples."""
    mark = base.resize((120, 80)).convert("RGBA")
    mask = Image.new("L", mark.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, 119, 79), 16, fill=200)
    mark.putalpha(mask)
    buf = io.BytesIO()
    mark.save(buf, "PNG")
    return buf.getvalue()


def all_samples() -> dict[str, tuple[bytes, str]]:
    objects = {}
    for path in sorted(SAMPLES.rglob("*")):
        if path.is_file() and not path.name.startswith(".") and path.suffix != ".txt":  # licences stay out
            ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            objects[path.relative_to(SAMPLES).as_posix()] = (path.read_bytes(), ctype)
    objects.update(derived_samples())
    return objects


def seed(client, bucket: str = BUCKET) -> dict[str, tuple[bytes, str]]:
    """Create `bucket` if needed and upload every sample; returns what was uploaded."""
    existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
    if bucket not in existing:
        client.create_bucket(Bucket=bucket)
    objects = all_samples()
    for key, (body, ctype) in objects.items():
        client.put_object(Bucket=bucket, Key=key, Body=body, ContentType=ctype)
    return objects
