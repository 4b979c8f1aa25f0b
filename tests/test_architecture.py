"""The provider's layers depend one way, and the pickled provider path that stacks store never moves.

Layers, bottom up: ``azure_clients`` <- ``model`` (with the public ``types``) <- ``lifecycle`` <-
``engine`` and ``gate`` (peers: neither imports the other). A module may import its own layer and the
layers below it, never one above; the package root re-exports the engine's public classes.
"""

from __future__ import annotations

import ast
import base64
from pathlib import Path

from pulumi.dynamic.dynamic import serialize_provider

import pulumi_azure_batch_pool
from pulumi_azure_batch_pool import BatchPoolProvider

PACKAGE = Path(pulumi_azure_batch_pool.__file__).parent
NAME = "pulumi_azure_batch_pool"
RANK = {"azure_clients": 0, "model": 1, "types": 1, "lifecycle": 2, "engine": 3, "gate": 3}
PICKLED_PATH = "pulumi_azure_batch_pool.engine.provider.BatchPoolProvider"


def layer_of(module: str) -> str | None:
    """The layer of a dotted module name inside the package (None for the package root)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == NAME else None


def imports_of(path: Path) -> set[str]:
    """Every module of the package that `path` imports (from-imports resolved to their module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module == NAME:
            found.update(f"{NAME}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == NAME:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == NAME)
    return found


def test_every_module_belongs_to_a_layer() -> None:
    layers = {path.name for path in PACKAGE.iterdir() if (path / "__init__.py").exists()}
    assert layers == set(RANK)
    loose = {path.name for path in PACKAGE.glob("*.py")} - {"__init__.py", "__main__.py"}
    assert loose == set(), "a module outside the layers"


def test_imports_point_down_the_layers() -> None:
    against: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        own = path.relative_to(PACKAGE).parts[0]
        if own not in RANK:
            continue  # the package root and its __main__ sit above every layer
        for imported in imports_of(path):
            layer = layer_of(imported)
            if layer is None:
                against.append(f"{path.relative_to(PACKAGE)} imports the package root")
            elif layer != own and RANK[layer] >= RANK[own]:
                against.append(f"{path.relative_to(PACKAGE)} ({own}) imports {imported} ({layer})")
    assert against == []


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    """The rule above is not vacuous: a model module importing the lifecycle is reported."""
    bad = tmp_path / "bad.py"
    bad.write_text(f"from {NAME}.lifecycle.lifecycle import PoolLifecycle\n")
    [imported] = imports_of(bad)
    assert RANK[layer_of(imported) or ""] > RANK["model"]


def test_the_pickled_provider_path_is_the_promised_one() -> None:
    assert f"{BatchPoolProvider.__module__}.{BatchPoolProvider.__qualname__}" == PICKLED_PATH
    # What the SDK writes into every resource's `__provider` input: dill, by reference to that path.
    pickled = base64.b64decode(serialize_provider(BatchPoolProvider()))
    assert PICKLED_PATH.rsplit(".", 1)[0].encode() in pickled and b"BatchPoolProvider" in pickled
    assert len(pickled) < 500, "pickled by value: the state would carry the provider's code"
