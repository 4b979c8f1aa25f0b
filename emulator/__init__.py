"""A local Azure Batch emulator: the management plane for pools, the data plane for nodes and extensions."""

from emulator.accounts import DEMO_ACCOUNT, AccountRef
from emulator.auth import DEV_TOKEN
from emulator.faults import FaultConfig
from emulator.server import EmulatorServer

__all__ = ["DEMO_ACCOUNT", "DEV_TOKEN", "AccountRef", "EmulatorServer", "FaultConfig"]
