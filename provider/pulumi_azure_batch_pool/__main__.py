"""`python -m pulumi_azure_batch_pool status ...`: see `pulumi_azure_batch_pool.gate.cli`."""

from pulumi_azure_batch_pool.gate.cli import main

raise SystemExit(main(prog="python -m pulumi_azure_batch_pool"))
