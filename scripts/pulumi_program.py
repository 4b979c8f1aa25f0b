"""Run a `pulumi` command on a Python project, with or without the Go Python language host.

    .venv/bin/python scripts/pulumi_program.py [--cwd PROJECT_DIR] -- up --yes --stack dev

The real CLI needs a language host to run a Python program. Where `pulumi-language-python` sits next to
`pulumi` (an official install, or a build from Go modules that could fetch it), this simply runs
`pulumi ARGS` in PROJECT_DIR. Where it does not (the Go module proxy here serves the CLI but not the
host's untagged module), it runs the program the way Pulumi's Automation API runs inline programs:
the Python SDK's own language server (`pulumi.automation._server.LanguageServer`) serves the
project's `main` on a loopback port and the CLI is told to use it (`--client`). Everything else is the
real engine: planning, state, secrets, the dynamic provider process it starts, and the output.

Commands that do not run the program (stack, config, import, ...) are passed through unchanged. The exit
status is the CLI's.
"""

from __future__ import annotations

import argparse
import os
import runpy
import shutil
import subprocess
import sys
from collections.abc import Callable
from concurrent import futures
from pathlib import Path

import yaml

#: The commands that can run the program (and so accept --client).
PROGRAM_COMMANDS = frozenset({"up", "update", "preview", "refresh", "destroy"})


def project_main(project_dir: Path) -> Path:
    """The program file of the project in `project_dir`, as Pulumi resolves it (`main:` or __main__.py)."""
    settings = yaml.safe_load((project_dir / "Pulumi.yaml").read_text()) or {}
    main = project_dir / str(settings.get("main") or ".")
    return main / "__main__.py" if main.is_dir() else main


def program_of(main: Path) -> Callable[[], None]:
    """A Pulumi program function that runs `main` as `python main.py` would, with its folder importable."""

    def run() -> None:
        folder = str(main.parent)
        if folder not in sys.path:
            sys.path.insert(0, folder)
        runpy.run_path(str(main), run_name="__main__")

    return run


def needs_client(pulumi: str, args: list[str]) -> bool:
    """Whether the command runs the program and no Go language host is there to run it."""
    command = next((arg for arg in args if not arg.startswith("-")), "")
    if command not in PROGRAM_COMMANDS:
        return False
    beside = Path(pulumi).resolve().parent / "pulumi-language-python"
    return not (beside.exists() or shutil.which("pulumi-language-python"))


def run(project_dir: Path, args: list[str]) -> int:
    """Run `pulumi ARGS` in `project_dir`, serving the program over --client when needed."""
    pulumi = shutil.which("pulumi")
    if pulumi is None:
        print(
            "error: no `pulumi` on PATH; run scripts/get-pulumi.sh and put the folder it prints on PATH",
            file=sys.stderr,
        )
        return 3
    env = dict(os.environ)
    env.setdefault("PULUMI_SKIP_UPDATE_CHECK", "true")
    env.setdefault("PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION", "true")
    # The dynamic provider's launcher runs `python -m pulumi.dynamic` with this interpreter.
    if "PULUMI_RUNTIME_VIRTUALENV" not in env:
        env.setdefault("PULUMI_PYTHON_CMD", sys.executable)
    if not needs_client(pulumi, args):
        return subprocess.call([pulumi, *args], cwd=project_dir, env=env)

    # Imported here: only this path needs gRPC and the SDK's language server.
    import grpc
    from pulumi.automation._server import LanguageServer
    from pulumi.runtime.proto import language_pb2_grpc

    os.chdir(project_dir)  # the program sees its project folder as the working directory, as under the host
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(
        LanguageServer(program_of(project_main(project_dir))), server
    )
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        return subprocess.call([pulumi, *args, f"--client=127.0.0.1:{port}"], cwd=project_dir, env=env)
    finally:
        server.stop(0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cwd", type=Path, default=Path.cwd(), help="the project folder (holds Pulumi.yaml)")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="the pulumi command and its flags, after --")
    options = parser.parse_args(argv)
    args = options.args[1:] if options.args[:1] == ["--"] else options.args
    if not args:
        parser.error("give the pulumi command after --, e.g. -- up --yes")
    return run(options.cwd.resolve(), args)


if __name__ == "__main__":
    sys.exit(main())
