"""The values Azure Batch fills in for pool properties a request leaves out (API version 2025-06-01).

Azure returns these on every read whether or not the program wrote them, so diff and refresh treat a
property holding its default and the same property left out as the same pool. Paths are dotted wire
paths from the top-level input key; ``[]`` after a list
stands for every item of it.

Where each value comes from matters, because a wrong default hides a real change (and a missing one plans a
replacement that changes nothing). ``tests/provider/test_spec_model.py`` checks each group against
Microsoft's official 2025-06-01 material:

* ``SPEC_DEFAULTS``: the swagger's own ``default`` keyword, all of them.
* ``EXAMPLE_DEFAULTS``: values an official ``PoolCreate_*`` example response shows the server filling in
  for a property its request left out.
* ``DESCRIBED_DEFAULTS``: defaults the spec states only in its property descriptions (which the extracts in
  ``azure-batch-rest/spec`` omit) or, for the two extension flags, that Batch inherits from Compute's VM
  extension model. The test can only check that each path exists and the value is valid for its type.
"""

from collections.abc import Mapping
from typing import Any

SPEC_DEFAULTS: Mapping[str, Any] = {
    "taskSlotsPerNode": 1,
    "taskSchedulingPolicy.nodeFillType": "Spread",
    "scaleSettings.fixedScale.resizeTimeout": "PT15M",
    "networkConfiguration.dynamicVnetAssignmentScope": "none",
    "startTask.maxTaskRetryCount": 0,
}

EXAMPLE_DEFAULTS: Mapping[str, Any] = {
    "interNodeCommunication": "Disabled",
    "taskSchedulingPolicy.jobDefaultOrder": "None",
    "scaleSettings.fixedScale.targetDedicatedNodes": 0,
    "scaleSettings.fixedScale.targetLowPriorityNodes": 0,
    "deploymentConfiguration.virtualMachineConfiguration.imageReference.version": "latest",
    "deploymentConfiguration.virtualMachineConfiguration.osDisk.caching": "None",
    "deploymentConfiguration.virtualMachineConfiguration.dataDisks[].caching": "None",
    "networkConfiguration.enableAcceleratedNetworking": False,
}

DESCRIBED_DEFAULTS: Mapping[str, Any] = {
    "scaleSettings.fixedScale.nodeDeallocationOption": "Requeue",
    "scaleSettings.autoScale.evaluationInterval": "PT15M",
    "startTask.waitForSuccess": True,
    "startTask.userIdentity.autoUser.scope": "Pool",
    "startTask.userIdentity.autoUser.elevationLevel": "NonAdmin",
    "userAccounts[].elevationLevel": "NonAdmin",
    "deploymentConfiguration.virtualMachineConfiguration.windowsConfiguration.enableAutomaticUpdates": True,
    "deploymentConfiguration.virtualMachineConfiguration.extensions[].autoUpgradeMinorVersion": False,
    "deploymentConfiguration.virtualMachineConfiguration.extensions[].enableAutomaticUpgrade": False,
    "upgradePolicy.mode": "manual",
    "identity.type": "None",
}

SERVER_DEFAULTS: Mapping[str, Any] = {**SPEC_DEFAULTS, **EXAMPLE_DEFAULTS, **DESCRIBED_DEFAULTS}
"""Every default the provider knows, by wire path: the one table diff and refresh use."""
