"""The two distributions as a user gets them: one import name per wheel, installed outside the checkout.

Builds both wheels, reads them, installs the provider's into a fresh virtualenv outside this checkout
the way README's requirements lines say, and runs an example program from a temporary folder that also
holds a `provider.py` of the user's own, under Pulumi's mocks.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Iterator
from email.parser import Parser
from importlib.metadata import version
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text()
EXPECTED = {
    "pulumi-azure-batch-pool": "pulumi_azure_batch_pool",
    "azure-batch-emulator": "azure_batch_emulator",
}

PIP_WHEEL = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
RUN_UNDER_MOCKS = """
import asyncio, json, runpy, sys
import pulumi
import pulumi_azure_batch_pool as package

class Mocks(pulumi.runtime.Mocks):
    def __init__(self):
        self.types = []
    def new_resource(self, args):
        self.types.append(args.typ)
        return f"{args.name}-id", dict(args.inputs)
    def call(self, args):
        return {}

mocks = Mocks()
asyncio.set_event_loop(asyncio.new_event_loop())
pulumi.runtime.set_mocks(mocks, preview=False)

@pulumi.runtime.test
def run():
    namespace = runpy.run_path("__main__.py", run_name="__main__")
    pools = [value for value in namespace.values() if isinstance(value, package.BatchPool)]
    return pulumi.Output.all(*[pool.urn for pool in pools])

run()
import provider  # the user's own module beside the program
print(json.dumps({"package": package.__file__, "own": provider.__file__, "types": mocks.types}))
"""


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    out = tmp_path_factory.mktemp("wheels")
    subprocess.run(
        [*PIP_WHEEL, "-w", str(out), str(REPO), str(REPO / "emulator")],
        check=True,
        capture_output=True,
        timeout=300,
    )
    found: dict[str, Path] = {}
    for wheel in out.glob("*.whl"):
        with zipfile.ZipFile(wheel) as archive:
            metadata = next(name for name in archive.namelist() if name.endswith(".dist-info/METADATA"))
            found[Parser().parsestr(archive.read(metadata).decode())["Name"]] = wheel
    yield found


def metadata_of(wheel: Path) -> tuple[set[str], list[str], dict[str, list[str]]]:
    """Top-level names, file names and METADATA fields (multi-valued) of a wheel."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        text = archive.read(next(name for name in names if name.endswith(".dist-info/METADATA"))).decode()
    message = Parser().parsestr(text)
    fields = {key: message.get_all(key) or [] for key in set(message.keys())}
    return {name.split("/")[0] for name in names if ".dist-info/" not in name}, names, fields


@pytest.mark.parametrize("distribution", sorted(EXPECTED))
def test_each_wheel_ships_one_import_name_typed_and_licensed(
    distribution: str, wheels: dict[str, Path]
) -> None:
    top, names, fields = metadata_of(wheels[distribution])
    package = EXPECTED[distribution]
    assert top == {package}
    assert f"{package}/py.typed" in names
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    assert fields["License-Expression"] == ["Apache-2.0"]
    assert "Typing :: Typed" in fields["Classifier"] and fields["Version"] == ["0.1.0"]


def test_the_provider_wheel_needs_only_runtime_packages(wheels: dict[str, Path]) -> None:
    _, names, fields = metadata_of(wheels["pulumi-azure-batch-pool"])
    runtime = {
        re.split(r"[<>=;\[ ]", requirement)[0]
        for requirement in fields["Requires-Dist"]
        if "extra ==" not in requirement
    }
    assert runtime == {"pulumi", "azure-identity", "jsonschema", "typing-extensions"}
    assert "pulumi_azure_batch_pool/model/schema/pool.schema.json" in names
    assert not any(name.startswith("azure_batch_emulator") for name in names)


def test_installed_from_the_wheel_a_program_runs_beside_its_own_provider_py(
    wheels: dict[str, Path], tmp_path: Path
) -> None:
    # README's requirements lines: a wheel folder and the pinned version (and the SDK it was tested with).
    [block] = [body for body in re.findall(r"```text\n(.*?)```", README, re.S) if "--find-links" in body]
    lines = [line for line in block.splitlines() if line.strip()]
    assert lines[1] == "pulumi-azure-batch-pool==0.1.0" and lines[2] == f"pulumi=={version('pulumi')}"
    venv = tmp_path / "user-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    install = [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index"]
    find_links = ["--find-links", str(wheels["pulumi-azure-batch-pool"].parent)]
    subprocess.run([*install, *find_links, lines[1]], check=True, capture_output=True, timeout=300)
    # Its dependencies from this test run's environment (a plain path: no editable install comes along).
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    program = tmp_path / "my-infra"
    program.mkdir()
    (program / "__main__.py").write_text(
        (REPO / "programs" / "monitor-agent-pool" / "__main__.py").read_text()
    )
    (program / "provider.py").write_text('"""The user\'s own helpers, named as users name them."""\n')
    (program / "run_under_mocks.py").write_text(RUN_UNDER_MOCKS)
    done = subprocess.run(
        [str(python), "run_under_mocks.py"],
        cwd=program,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "PULUMI_CONFIG": "{}"},
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(seen["package"]).is_relative_to(site), seen
    assert Path(seen["own"]) == program / "provider.py"
    assert "pulumi-python:dynamic/azurebatch:Pool" in seen["types"]
