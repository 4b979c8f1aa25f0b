"""`import pulumi_azure_batch_pool` (every Pulumi program and provider process) loads no HTTP, credential or
schema code."""

from __future__ import annotations

import subprocess
import sys

LAZY = (
    "jsonschema",
    "azure.identity",
    "requests",
    "urllib3",
    "pulumi_azure_batch_pool.azure_clients.transport",
    "pulumi_azure_batch_pool.lifecycle.clients",
)


def test_import_provider_defers_http_credentials_and_jsonschema() -> None:
    probe = f"import sys, provider; print([m for m in {LAZY!r} if m in sys.modules])"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"
