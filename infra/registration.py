"""The names the program gives its resources, and which of them the twiliox provider checks before it writes.

`pulumi up --skip-preview` has no preview to stop a refused name before the first write: the engine checks
each resource as the program registers it and starts creating the ones already checked. So the program tells
the provider (its `checkedFirst` input) which resources it registers at once, with plain inputs: the provider
makes no Create or Update until each of them has passed its Check, and none at all once one of them is
refused. Resources registered later, when an output they need exists (an environment needs its service's SID),
are checked after those writes; their refusals (a taken environment in an existing service) can follow them.

"""

from __future__ import annotations

import hashlib
import re

from flex_chat_transfer.workflow.spec import ChatTransferSpec

COMPONENT_NAME = "chat-transfer"


def workflow_resource_name(name: str) -> str:
    return f"{name}-workflow"


def flex_flags_resource_name(name: str) -> str:
    return f"{name}-flex-flags"


def service_resource_name(name: str) -> str:
    return f"{name}-service"


def plugin_service_resource_name(name: str) -> str:
    return f"{name}-plugin-service"


def queue_resource_name(name: str, queue_name: str) -> str:
    """The declared queue's resource name, from its friendly name: adding, removing or reordering declared
    queues touches only those queues. (`renamedFrom` aliases the old name, so a rename is an update in place.)
    Characters a URN cannot carry become `-`, with a digest of the name so two names never share one."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", queue_name)
    if slug != queue_name:
        slug = f"{slug}-{hashlib.sha256(queue_name.encode()).hexdigest()[:8]}"
    return f"{name}-queue-{slug}"


def checked_first(spec: ChatTransferSpec, name: str = COMPONENT_NAME, plugin: bool = False) -> list[str]:
    """The resources registered with plain inputs: the workflow, the Flex flags, the declared queues,
    (unless attached) the Functions service and (with `plugin`, chat-transfer:plugin set) the plugin's
    service."""
    names = [workflow_resource_name(name), flex_flags_resource_name(name)]
    if spec.functions.attach_to is None:
        names.append(service_resource_name(name))
    if plugin:
        names.append(plugin_service_resource_name(name))
    names += [queue_resource_name(name, queue.name) for queue in spec.declared_queues()]
    return sorted(set(names))
