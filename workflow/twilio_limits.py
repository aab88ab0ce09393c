"""Twilio's documented numbers and SID shapes, in one place: the loader, the validator, the simulator, the
scenario reader and the provider import them from here.

Sources (TaskRouter docs and the OpenAPI description `twilio_taskrouter_v1.json`): Task `Priority`
0..2,147,483,647; Task `Timeout` (TTL) default 86,400 s, at most 1,209,600 s (14 days); Workflow
`TaskReservationTimeout` at most 86,400 s; a workflow Configuration of at most "1038576 bytes (1MB)";
friendly names of at most 64 characters; worker and task attributes of at most 4,096 characters;
Serverless Service `UniqueName` of at most 50 characters.
"""

from __future__ import annotations

import re
from typing import Final

# -- numbers ----------------------------------------------------------------------------------------
MAX_PRIORITY: Final = 2_147_483_647  # Task Priority (int32), also a workflow target's priority
MAX_TASK_TTL: Final = 1_209_600  # Task Timeout at most 14 days (seconds)
# A target timeout counts from the task's age, so no step can outlast the longest TTL a task may have:
# past it the task is canceled ("Task TTL Exceeded") and later targets are never reached.
MAX_TARGET_TIMEOUT: Final = MAX_TASK_TTL
MAX_RESERVATION_TIMEOUT: Final = 86_400  # Workflow TaskReservationTimeout (seconds)
# Documented as "1038576 bytes (1MB)" (sic); we hold to the smaller documented number.
MAX_CONFIGURATION_BYTES: Final = 1_038_576
MAX_FRIENDLY_NAME: Final = 64  # Workspace, TaskQueue, Worker, Activity FriendlyName
MAX_ATTRIBUTES_CHARS: Final = 4_096  # Worker and Task Attributes (JSON text, whitespace counts)
MAX_SERVICE_NAME: Final = 50  # Serverless Service UniqueName
# Twilio calls one provider makes at once (stack config twilio:concurrency), like the peer's default; the
# ceiling keeps one deploy well under an account's concurrency limit.
DEFAULT_CONCURRENCY: Final = 10
MAX_CONCURRENCY: Final = 64
# A key a stack may set in the Flex configuration: one object member, so no dots (the owner records under
# ui_attributes.custom_data.chat_transfer_owners are dotted paths).
FLEX_KEY_NAME: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")

# -- SIDs: two capital letters naming the resource, then 32 hex digits ------------------------------
SID_PREFIXES: Final = {
    "WS": "workspace",
    "WQ": "TaskQueue",
    "WK": "worker",
    "WW": "workflow",
    "WA": "activity",
    "WT": "task",
    "TC": "task channel",
    "ZS": "Serverless service",
}


def sid_pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(rf"^{prefix}[0-9a-fA-F]{{32}}$")


WORKSPACE_SID: Final = sid_pattern("WS")
QUEUE_SID: Final = sid_pattern("WQ")
WORKER_SID: Final = sid_pattern("WK")
WORKFLOW_SID: Final = sid_pattern("WW")
SERVICE_SID: Final = sid_pattern("ZS")


def sid_kind(value: str) -> str | None:
    """What a well-formed SID names (`"TaskQueue"` for WQ…), None when `value` is not one."""
    kind = SID_PREFIXES.get(value[:2])
    return kind if kind is not None and sid_pattern(value[:2]).match(value) else None
