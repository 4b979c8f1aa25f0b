"""A local Azure Batch emulator: the management plane for pools, the data plane for nodes and extensions."""

from azure_batch_emulator.accounts import DEMO_ACCOUNT, AccountRef
from azure_batch_emulator.auth import DEV_TOKEN
from azure_batch_emulator.faults import FaultConfig
from azure_batch_emulator.server import EmulatorServer

__all__ = ["DEMO_ACCOUNT", "DEV_TOKEN", "AccountRef", "EmulatorServer", "FaultConfig"]
