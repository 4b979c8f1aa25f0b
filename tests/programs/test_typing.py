"""`mypy --strict` accepts every example program and every README program, and the types are real.

A user's type checker sees what `pulumi_azure_batch_pool.types` and `BatchPool` declare: the args classes'
constructors
(through `dataclass_transform`), outputs as `Output[int]` and output-type classes. The programs are checked
as a user's project would be: strict, with the provider analysed but only the program's own errors shown.
A program that misuses the types must fail the same run, so a declaration silently turning into `Any`
(which strict mode would accept everywhere) fails this test.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.programs.test_readme import PROGRAMS as README_PROGRAMS

REPO = Path(__file__).resolve().parents[2]
PROGRAM_DIRS = sorted(path for path in (REPO / "programs").iterdir() if (path / "__main__.py").exists())

MISUSE = """
import pulumi
from pulumi_azure_batch_pool import BatchPool
from pulumi_azure_batch_pool.types import ScaleSettingsArgs, VMExtensionArgs

def check(pool: BatchPool) -> None:
    as_text: pulumi.Output[str] = pool.current_dedicated_nodes.apply(lambda count: count)
    unknown_field = pool.extension_status.apply(lambda status: status["x"].failures)
    ScaleSettingsArgs(fixed_scale={"target_dedicated_nodes": 1}, fixed_scal=None)
    VMExtensionArgs(name="only-a-name")
"""
"""Four mistakes: an int output used as a str, a status field that does not exist, an unknown argument,
an extension without its required publisher and type."""


def test_mypy_strict_accepts_every_program_and_refuses_misuse(tmp_path: Path) -> None:
    sources = tmp_path / "programs"
    sources.mkdir()
    for program in PROGRAM_DIRS:
        shutil.copy(program / "__main__.py", sources / f"program_{program.name.replace('-', '_')}.py")
    for block in README_PROGRAMS:
        (sources / f"readme_line{block.line}.py").write_text(block.body)
    (sources / "misuse.py").write_text(MISUSE)
    checked = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--follow-imports=silent",
            "--cache-dir",
            str(tmp_path / "cache"),
            *sorted(str(path) for path in sources.iterdir()),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    errors = [line for line in checked.stdout.splitlines() if ": error:" in line]
    assert [line for line in errors if "misuse.py" not in line] == [], checked.stdout
    misuse_lines = sorted({int(re.search(r"misuse\.py:(\d+):", line)[1]) for line in errors})  # type: ignore[index]
    assert misuse_lines == [7, 8, 9, 10], checked.stdout
    assert len(PROGRAM_DIRS) == 3 and README_PROGRAMS
