"""The values Azure fills into a pool that the client did not send, shown on create and on every read.

A refresh against Azure sees these values although the program never wrote them, so the emulator must show
them too or code tested against it cannot catch a false diff. The facts come from the 2025-06-01 spec (its
``default`` keywords) and from the official example responses (which show the rest: ``jobDefaultOrder``,
disk caching, accelerated networking, the fixed 0/0 scale of a pool created without scale settings).
``tests/emulator/test_defaults.py`` checks this table against the spec so it cannot drift.

Paths are dotted below ``properties``; ``[]`` stands for every item of a list. A default is filled only where
its parent object exists, in table order (so a whole-object default comes before its members).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from typing import Any

VM = "deploymentConfiguration.virtualMachineConfiguration"

SERVER_DEFAULTS: dict[str, Any] = {
    "interNodeCommunication": "Disabled",
    "taskSlotsPerNode": 1,
    "taskSchedulingPolicy": {},
    "taskSchedulingPolicy.nodeFillType": "Spread",
    "taskSchedulingPolicy.jobDefaultOrder": "None",
    "scaleSettings": {"fixedScale": {}},
    "scaleSettings.fixedScale.targetDedicatedNodes": 0,
    "scaleSettings.fixedScale.targetLowPriorityNodes": 0,
    "scaleSettings.fixedScale.resizeTimeout": "PT15M",
    "scaleSettings.autoScale.evaluationInterval": "PT15M",
    "networkConfiguration.dynamicVnetAssignmentScope": "none",
    "networkConfiguration.enableAcceleratedNetworking": False,
    f"{VM}.imageReference.version": "latest",
    f"{VM}.osDisk.caching": "None",
    f"{VM}.dataDisks[].caching": "None",
    "startTask.maxTaskRetryCount": 0,
}


def _marketplace_image(image: dict[str, Any]) -> bool:
    """Only a marketplace image (publisher/offer/sku) has a version; gallery images are named by id."""
    return not any(key in image for key in ("id", "sharedGalleryImageId", "communityGalleryImageId"))


# Defaults that apply only when their parent object passes a test.
CONDITIONS: dict[str, Callable[[dict[str, Any]], bool]] = {
    f"{VM}.imageReference.version": _marketplace_image,
}


def with_defaults(properties: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of pool ``properties`` with every applicable server default filled in."""
    filled = copy.deepcopy(properties)
    for path, value in SERVER_DEFAULTS.items():
        *parents, key = path.split(".")
        condition = CONDITIONS.get(path)
        for parent in _objects_at(filled, parents):
            if key not in parent and (condition is None or condition(parent)):
                parent[key] = copy.deepcopy(value)
    return filled


def _objects_at(root: dict[str, Any], steps: list[str]) -> list[dict[str, Any]]:
    """The objects a path of ``name`` / ``name[]`` steps reaches (none where a step is absent)."""
    found = [root]
    for step in steps:
        name, each = (step[:-2], True) if step.endswith("[]") else (step, False)
        reached: list[dict[str, Any]] = []
        for node in found:
            child = node.get(name)
            items = child if each and isinstance(child, list) else [child]
            reached += [item for item in items if isinstance(item, dict)]
        found = reached
    return found


def identity_with_ids(identity: dict[str, Any]) -> dict[str, Any]:
    """The pool identity as Azure returns it: each user-assigned identity with its read-only
    ``principalId``/``clientId`` (stable per identity id, as Azure's belong to the identity, not the pool)."""
    assigned = identity.get("userAssignedIdentities")
    if not assigned:
        return dict(identity)
    return {
        **identity,
        "userAssignedIdentities": {
            arm_id: {
                "principalId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"principal:{arm_id.lower()}")),
                "clientId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"client:{arm_id.lower()}")),
            }
            for arm_id in assigned
        },
    }
