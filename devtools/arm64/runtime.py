"""The emulated execution environment: Debian 13's CPython 3.13 for aarch64 under qemu-user.

`prepare()` makes .lambda/arm64/rootfs once: python3.13 with the few system libraries it needs
(glibc, libstdc++ and libgcc are what Lambda's Amazon Linux 2023 base has; the layers must bring
everything else), the SDK the python3.13 runtime carries in /var/lang/lib/python3.13/site-packages,
and the Runtime Interface Client of AWS's base images (awslambdaric) with our bootstrap.py in
/var/runtime, all compiled to bytecode as Lambda's runtime is.

`launch()` starts the artifact `sam build` made, unchanged, as Lambda lays it out: the function
read-only at /var/task, the layers merged read-only at /opt in the template's order (fonts at
/opt/fonts), every other path read-only but a 512 MB /tmp, Lambda's environment variables, and
`python3.13 /var/runtime/bootstrap.py` polling the Runtime API it is given. The mounts live in a
private mount namespace (root, or a user namespace) and end with the process.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path
from typing import IO

from devtools import layer_check

from .runtime_api import Outcome, RuntimeApi

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
STATE = ROOT / ".lambda" / "arm64"
ROOTFS = STATE / "rootfs"
SYSTEM_PACKAGES = ("python3.13-minimal", "libpython3.13-stdlib", "libstdc++6")
SDK = HERE / "runtime-sdk.txt"  # -> /var/lang/lib/python3.13/site-packages
CLIENT = HERE / "runtime-client.txt"  # -> /var/runtime
RUNTIME_SCRIPTS = tuple(HERE / name for name in ("bootstrap.py", "probe.py", "floor.py"))  # -> /var/runtime
SITE = "var/lang/lib/python3.13/site-packages"
QEMU = "/usr/bin/qemu-aarch64-static"
HOST_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
EMULATED = platform.machine() not in ("aarch64", "arm64")
# Lambda's own environment of a python3.13 function (the runtime's image sets the paths).
LAMBDA_ENV = {
    "LANG": "en_US.UTF-8",
    "TZ": ":UTC",
    "PATH": "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin",
    "LD_LIBRARY_PATH": "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib",
    "LAMBDA_TASK_ROOT": "/var/task",
    "LAMBDA_RUNTIME_DIR": "/var/runtime",
    "PYTHONPATH": "/var/runtime",
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
    "AWS_LAMBDA_FUNCTION_NAME": "ImageFunction",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1769",
    "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
    "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
    "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/ImageFunction",
    "AWS_LAMBDA_LOG_STREAM_NAME": "emulated",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
}
# Mounts, then the runtime: $1 rootfs, $2 function, $3 overlay lowerdir (top layer first), $4 the
# host's chroot, $@ the command. The host's tools run on the host's PATH; the runtime on Lambda's.
MOUNTS = r"""
root=$1 task=$2 layers=$3 chroot=$4
shift 4
lambda_path=$PATH
PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount --bind "$root" "$root"
mount --bind -o ro "$task" "$root/var/task"
mount -t overlay overlay -o "ro,lowerdir=$layers" "$root/opt"
mount -t proc proc "$root/proc"
mount -t tmpfs -o size=512m,mode=1777 tmpfs "$root/tmp"
mount -o remount,bind,ro "$root"
export PATH="$lambda_path"
exec "$chroot" "$root" "$@"
"""


def configuration(**more: str) -> dict[str, str]:
    """The function's own variables as the template sets them, for an S3 this process was
    pointed at (start_embedded_s3: its endpoint, bucket and credentials), with `more`."""
    names = ("SOURCE_BUCKET", "AWS_ENDPOINT_URL_S3", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
    return {
        **{name: os.environ[name] for name in names},
        "POWERTOOLS_SERVICE_NAME": "oss-image",
        "POWERTOOLS_METRICS_NAMESPACE": "OssImage",
        "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "false",
        "TRACING": "false",
        **more,
    }


def _stamp() -> str:
    """What the root is made of: a change to any part makes it again."""
    digest = hashlib.sha256(" ".join(SYSTEM_PACKAGES).encode())
    for part in (SDK, CLIENT, *RUNTIME_SCRIPTS):
        digest.update(part.read_bytes())
    return digest.hexdigest()[:16]


def _apt_install(package: str, command: str) -> None:
    if shutil.which(command):
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        sys.exit(f"{command} is needed: apt-get install {package}")
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "install", "-y", "-qq", package], check=True, env=env, stdout=subprocess.DEVNULL)


def _pip(target: Path, requirements: Path) -> None:
    shutil.rmtree(target, ignore_errors=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile", "--no-deps"]
        + ["-t", str(target), "--platform", "manylinux_2_28_aarch64", "--platform", "manylinux2014_aarch64"]
        + ["--implementation", "cp", "--python-version", "3.13", "--only-binary=:all:", "-r", str(requirements)],
        check=True,
    )
    shutil.rmtree(target / "bin", ignore_errors=True)


def prepare() -> Path:
    """The emulated runtime's root, made (or brought up to date) when needed."""
    ready = STATE / f".ready-{_stamp()}"
    if ready.exists():
        return ROOTFS
    for old in STATE.glob(".ready-*"):  # made of other parts: made again from nothing
        old.unlink()
        shutil.rmtree(ROOTFS, ignore_errors=True)
    subprocess.run([ROOT / "devtools" / "debian-root", ROOTFS, "arm64", *SYSTEM_PACKAGES], check=True)
    _pip(ROOTFS / SITE, SDK)
    _pip(ROOTFS / "var/runtime", CLIENT)
    for script in RUNTIME_SCRIPTS:
        shutil.copy(script, ROOTFS / "var/runtime" / script.name)
    for mount_point in ("var/task", "opt", "proc", "tmp", "var/lang/bin"):
        (ROOTFS / mount_point).mkdir(parents=True, exist_ok=True)
    interpreter = ROOTFS / "var/lang/bin/python3.13"
    if not interpreter.is_symlink():
        interpreter.symlink_to("/usr/bin/python3.13")
    if EMULATED:
        _apt_install("qemu-user-static", Path(QEMU).name)
        shutil.copy(QEMU, ROOTFS / QEMU.lstrip("/"))
    # Lambda's runtime ships its standard library and packages compiled; so does this one.
    subprocess.run(
        [ROOT / "devtools" / "python3.13", "-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash"]
        + [ROOTFS / "usr/lib/python3.13", ROOTFS / SITE, ROOTFS / "var/runtime"],
        check=True,
    )
    ready.touch()
    return ROOTFS


def launch(
    api: str,
    environment: dict[str, str],
    log: IO[bytes],
    task: Path | None = None,
    layers: list[Path] | None = None,
    script: str = "/var/runtime/bootstrap.py",
) -> subprocess.Popen:
    """Start the function's execution environment, polling the Runtime API at `api` (host:port).
    `environment` is the function's own configuration (the template's variables; _HANDLER to name
    another handler), `log` gets its output; `task` and `layers` replace the built function and
    layers (the cold-start comparison runs copies), `script` the bootstrap (probe.py)."""
    rootfs = prepare()
    task = task or layer_check.BUILD / "ImageFunction"
    lowerdir = ":".join(str(p) for p in reversed(layers or list(layer_check.built_layers().values())))
    emulator = [QEMU] if EMULATED else []
    unshare, shell, chroot = (shutil.which(tool, path=HOST_PATH) for tool in ("unshare", "sh", "chroot"))
    namespaces = ["--mount", "--propagation", "private", "--pid", "--fork", "--kill-child"]
    if os.geteuid() != 0:
        namespaces.append("--map-root-user")
    env = {**LAMBDA_ENV, "_HANDLER": "app.handler", **environment, "AWS_LAMBDA_RUNTIME_API": api}
    command = [*emulator, "/var/lang/bin/python3.13", script]
    return subprocess.Popen(
        [unshare, *namespaces, shell, "-euc", MOUNTS, "mounts", rootfs, task, lowerdir, chroot, *command],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


class Function:
    """The deployed function in its emulated environment, from its cold start to `close()`:
    `invoke()` hands it events through the Runtime API, as Lambda does."""

    def __init__(self, environment: dict[str, str], log: Path, **launch_options) -> None:
        self.log = log
        self.api = RuntimeApi().start()
        self._log = open(log, "wb")  # closed by close()
        self.process = launch(self.api.address, environment, self._log, **launch_options)

    def __enter__(self) -> Function:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.process.kill()  # the namespace's first process ignores SIGTERM; its parent's death ends it
        self.process.wait()
        self.api.close()
        self._log.close()

    def invoke(self, event: object, timeout_s: float) -> Outcome:
        """The handler's answer to `event`, given `timeout_s` before its deadline (and as long again
        to finish initialising, on the first call)."""
        return self.api.invoke(event, timeout_s, alive=lambda: self.process.poll() is None)

    def output(self) -> str:
        self._log.flush()
        return self.log.read_text(errors="replace")
