"""`python -m provider status ...`: see `provider.cli`."""

from provider.cli import main

raise SystemExit(main(prog="python -m provider"))
