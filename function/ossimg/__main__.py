"""The pipeline on local files, for scripts and trying things out.

    ossimg process INPUT 'image/resize,w_300/format,webp' -o OUTPUT   (-o - writes to stdout)
    ossimg info INPUT

(`ossimg` is installed into .venv by `make run` / `make test`; `python -m ossimg` is the same.)

A folder stands in for the bucket (`--root`, default: the input's folder): watermark images and
styles (`style/<name>` reads ROOT/_styles/<name>) come from it. Limits and encoder settings come
from the same environment variables as the function's, and so does the memory budget
(MEMORY_LIMIT_MB, default the template's 1,769 MB): what the function would refuse, this refuses.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from .config import Settings
from .core.budget.costs import Budget
from .core.errors import OssError
from .core.grammar import parse
from .core.pipeline import Job, render
from .service.styles.store import check_content, check_name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ossimg", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    process = commands.add_parser("process", help="apply an x-oss-process string to an image file")
    process.add_argument("input", type=Path)
    process.add_argument("process", help="image/... or style/<name>")
    process.add_argument("-o", "--output", required=True, help="the output file, or - for stdout")
    process.add_argument("--root", type=Path, help="the folder that stands in for the bucket")
    info = commands.add_parser("info", help="print OSS's image/info JSON for an image file")
    info.add_argument("input", type=Path)
    args = parser.parse_args(argv)

    root = getattr(args, "root", None) or args.input.parent
    chain_text = args.process if args.command == "process" else "image/info"
    try:
        if chain_text.startswith("style/"):
            name = chain_text.removeprefix("style/")
            check_name(name)
            chain_text = (root / "_styles" / name).read_text().strip()
            check_content(chain_text)
        chain = parse(chain_text)
        resources = {key: (root / key).read_bytes() for key in chain.resource_keys()}
        start = time.perf_counter()
        settings = Settings.from_env()  # the function's configuration, MEMORY_LIMIT_MB's budget included
        budget = Budget(settings.memory_limit_mb)
        job = Job(
            settings.limits, settings.encoders, settings.font_dirs, resources, budget=budget, threads=settings.threads
        )
        rendered = render(args.input.read_bytes(), chain, job)
        elapsed = (time.perf_counter() - start) * 1000
    except OssError as err:
        print(f"{err.code}{f' ({err.ec})' if err.ec else ''}: {err.message}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"cannot read {err.filename}: {err.strerror}", file=sys.stderr)
        return 2
    if args.command == "info":
        return _emit(rendered.body + b"\n", "-")
    if _emit(rendered.body, args.output):
        return 2
    if args.output != "-":
        print(f"{args.output}: {rendered.content_type}, {len(rendered.body):,} bytes, {elapsed:.0f} ms")
    return 0


def _emit(body: bytes, output: str) -> int:
    """Write to a file or stdout; a missing folder or a closed pipe is one line, not a traceback."""
    try:
        if output == "-":
            sys.stdout.buffer.write(body)
            sys.stdout.flush()
        else:
            Path(output).write_bytes(body)
    except BrokenPipeError:  # the reader left (`| head`): nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the exit flush cannot fail again
        return 0
    except OSError as err:
        print(f"cannot write {output}: {err.strerror}", file=sys.stderr)
        return 2
    return 0


def console() -> None:
    """The `ossimg` command."""
    sys.exit(main())


if __name__ == "__main__":
    sys.exit(main())
