"""/var/runtime/bootstrap.py of the emulated runtime: what Lambda's python3.13 runtime does before
the first event. The module search path in the runtime's order (the function, the layers' two
folders, the runtime's own packages with its boto3, the runtime directory, the standard
library), then the Runtime Interface Client's loop with the handler from _HANDLER.
Runs inside the emulated runtime, on its CPython 3.13; standard library only until the client.
"""

import os
import sys


def search_path() -> list[str]:
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    runtime = os.environ["LAMBDA_RUNTIME_DIR"]
    ahead = [
        os.environ["LAMBDA_TASK_ROOT"],
        f"/opt/python/lib/{version}/site-packages",
        "/opt/python",
        f"/var/lang/lib/{version}/site-packages",
        runtime,
    ]
    # The interpreter's own entries after ours: its standard library, never a distribution's
    # site folders (Lambda's Python has none).
    rest = [p for p in sys.path if p not in ahead and "-packages" not in p]
    return ahead + rest


def main() -> None:
    sys.path[:] = search_path()
    from awslambdaric.__main__ import main as client

    client([sys.argv[0], os.environ["_HANDLER"]])


if __name__ == "__main__":
    main()
