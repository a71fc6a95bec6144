"""What each kind of request reads from S3, through `make run`'s server: bytes S3 sent (headers
included, counted by a proxy between the server and moto's) and milliseconds.

    python -m bench.s3_reads      (also the last table of `make bench`; BENCH_ONLY=s3 for it alone)
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from devtools.huge import png_header

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "bench" / "images"
PORT = 3077


class CountingProxy:
    """A TCP relay to `upstream` that counts the bytes coming back from it."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream, self.received = upstream, 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            client, _ = self.listener.accept()
            server = socket.create_connection(self.upstream)
            threading.Thread(target=self._pipe, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, True), daemon=True).start()

    def _pipe(self, source: socket.socket, target: socket.socket, counted: bool) -> None:
        try:
            while data := source.recv(65536):
                self.received += len(data) if counted else 0
                target.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, target):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def heic_with(exif: bytes) -> bytes:
    """The 12 MP photo as libheif writes a HEIC with EXIF: the EXIF after the pixels."""
    import pillow_heif
    from PIL import Image

    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    Image.open(IMAGES / "photo_4000x3000.jpg").save(out, "HEIF", quality=60, exif=exif)
    return out.getvalue()


def sources() -> dict[str, bytes]:
    from PIL import Image

    out = io.BytesIO()
    exif = Image.open(ROOT / "samples" / "f.jpg").info["exif"]  # with GPS
    Image.open(IMAGES / "photo_4000x3000.jpg").resize((6000, 4000)).save(out, "JPEG", quality=97, exif=exif)
    return {
        "photo.jpg": out.getvalue(),
        "cutout.png": (IMAGES / "cutout_1920x1080.png").read_bytes(),
        "photo.heic": heic_with(exif),
        "claims-300mp.png": png_header(20000, 15000, 950_000),
    }


def main() -> None:
    import boto3
    from moto.server import ThreadedMotoServer

    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    proxy = CountingProxy(moto.get_host_and_port())
    host, port = moto.get_host_and_port()
    s3 = boto3.client("s3", endpoint_url=f"http://{host}:{port}")
    s3.create_bucket(Bucket="bench")
    objects = sources()
    for key, data in objects.items():
        s3.put_object(Bucket="bench", Key=key, Body=data)
    env = {**os.environ, "AWS_ENDPOINT_URL_S3": f"http://127.0.0.1:{proxy.port}", "SOURCE_BUCKET": "bench",
           "PORT": str(PORT), "PYTHONPATH": f"{ROOT / 'function'}{os.pathsep}{ROOT}"}  # fmt: skip
    server = subprocess.Popen([sys.executable, "-m", "devtools.server"], env=env, cwd=ROOT, stdout=subprocess.PIPE)
    try:
        assert server.stdout is not None
        while b"Serving on" not in server.stdout.readline():
            pass
        threading.Thread(target=server.stdout.read, daemon=True).start()  # its request log, unread

        def get(path: str, headers: dict | None = None) -> tuple[int, float, float, str]:
            before, started = proxy.received, time.perf_counter()
            request = urllib.request.Request(f"http://127.0.0.1:{PORT}/{path}", headers=headers or {})
            try:
                with urllib.request.urlopen(request) as reply:
                    reply.read()
                    status, etag = reply.status, reply.headers.get("ETag", "")
            except urllib.error.HTTPError as err:
                status, etag = err.code, ""
            ms = (time.perf_counter() - started) * 1000
            time.sleep(0.1)  # the relay's last bytes counted
            return status, (proxy.received - before) / 1024, ms, etag

        mb = {key: len(data) / 1e6 for key, data in objects.items()}
        print("\nWhat S3 sends (through make run's server; KiB with HTTP headers, counted by a relay)\n")
        print("| request | status | KiB from S3 | ms |")
        print("|---|---:|---:|---:|")
        rows = [
            (f"info, {mb['photo.jpg']:.1f} MB 6000x4000 JPEG with GPS EXIF", "photo.jpg?x-oss-process=image/info"),
            (f"info, {mb['cutout.png']:.1f} MB 1920x1080 PNG", "cutout.png?x-oss-process=image/info"),
            (f"info, {mb['photo.heic']:.1f} MB 4000x3000 HEIC, EXIF at its end", "photo.heic?x-oss-process=image/info"),
            (f"resize,w_100, {mb['claims-300mp.png']:.2f} MB PNG claiming 20000x15000",
             "claims-300mp.png?x-oss-process=image/resize,w_100"),
            (f"resize,w_100, {mb['cutout.png']:.1f} MB PNG", "cutout.png?x-oss-process=image/resize,w_100"),
        ]  # fmt: skip
        etag = ""
        for label, path in rows:
            status, kib, ms, etag = get(path)
            print(f"| {label} | {status} | {kib:,.1f} | {ms:.0f} |")
        status, kib, ms, _ = get(rows[-1][1], {"If-None-Match": etag})
        print(f"| the same with If-None-Match = its ETag | {status} | {kib:,.1f} | {ms:.0f} |")
    finally:
        server.terminate()
        server.wait()
        moto.stop()


if __name__ == "__main__":
    main()
