"""The Chat Transfer workflow as typed data: what the stack config says, before any SID is known."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flex_chat_transfer.workflow.flex_plugin import PluginSettings
from flex_chat_transfer.workflow.twilio_limits import DEFAULT_CONCURRENCY, MAX_FRIENDLY_NAME

MAX_QUEUE_NAME_LENGTH = MAX_FRIENDLY_NAME  # TaskQueue FriendlyName
MAX_RESERVED_WORKERS = 50  # TaskQueue MaxReservedWorkers (1..50)
TASK_ORDERS = ("FIFO", "LIFO")  # TaskQueue TaskOrder
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class TransferQueue:
    name: str
    timeout: int | None = None
    priority: int | None = None
    order_by: str | None = None
    skip_if: str | None = None
    fallback_queue: str | None = None
    # A queue with `target_workers` is declared: the stack creates and owns it. Without, it is looked up.
    target_workers: str | None = None
    max_reserved_workers: int | None = None
    task_order: str | None = None
    # The declared queue's previous name: renaming it then updates the same queue (same SID) in place.
    renamed_from: str | None = None

    @property
    def declared(self) -> bool:
        return self.target_workers is not None


@dataclass(frozen=True)
class AttributeNames:
    """Task attribute names the plugin's invite function writes (seed defaults)."""

    target_type: str = "transferTargetType"
    target_sid: str = "transferTargetSid"
    queue_name: str = "transferQueueName"
    workers_in_conversation: str = "workerSidsInConversation"

    def by_key(self) -> dict[str, str]:
        """Config key (`chat-transfer:attributes.<key>`) -> attribute name."""
        return {
            "targetType": self.target_type,
            "targetSid": self.target_sid,
            "queueName": self.queue_name,
            "workersInConversation": self.workers_in_conversation,
        }


@dataclass(frozen=True)
class Features:
    # The feature's own switch (Flex `features.conversation_transfer.enabled`); false turns the plugin's
    # transfer UI off while the workflow and functions stay deployed.
    enabled: bool = True
    cold_transfer: bool = True
    multi_participant: bool = True


@dataclass(frozen=True)
class AttachTo:
    """A Functions service and environment that already serve the feature's functions (e.g.
    flex-project-template's): the stack deploys no functions and manages only its variables there."""

    service: str
    environment: str


@dataclass(frozen=True)
class FunctionsSettings:
    runtime: str = "node22"
    service_name: str = "chat-transfer"
    environment: str | None = None  # None: the stack name (the loader fills it in)
    attach_to: AttachTo | None = None


@dataclass(frozen=True)
class ChatTransferSpec:
    workspace: str = "Flex Task Assignment"
    workflow_name: str = "Chat Transfer"
    worker_transfer_queue: str = "Everyone"
    transfer_queues: tuple[TransferQueue, ...] = ()
    attributes: AttributeNames = field(default_factory=AttributeNames)
    default_queue: str | None = None
    features: Features = field(default_factory=Features)
    functions: FunctionsSettings = field(default_factory=FunctionsSettings)
    task_reservation_timeout: int | None = None

    def declared_queues(self) -> tuple[TransferQueue, ...]:
        """The queues the stack creates and owns (a `targetWorkers` was given), in declared order."""
        return tuple(queue for queue in self.transfer_queues if queue.declared)

    def queue_names(self) -> list[str]:
        """Every queue name the spec refers to, de-duplicated, in first-use order."""
        names = [self.worker_transfer_queue]
        for queue in self.transfer_queues:
            names.append(queue.name)
            if queue.fallback_queue is not None:
                names.append(queue.fallback_queue)
        if self.default_queue is not None:
            names.append(self.default_queue)
        return list(dict.fromkeys(names))


def queue_name_problem(name: object) -> tuple[str, str] | None:
    """(what is wrong, how to fix) when `name` cannot be a TaskQueue name we can quote safely in an
    expression; None when it is fine. TaskRouter string literals have no documented escape, so a name
    may contain one kind of quote but not both, and no backslash."""
    if not isinstance(name, str):
        return (f"queue name must be a string, got {type(name).__name__}", "write the queue's friendly name")
    if not name.strip():
        return ("queue name is empty", "write the TaskQueue's friendly name")
    if len(name) > MAX_QUEUE_NAME_LENGTH:
        return (
            f"queue name {name[:20]!r}… is {len(name)} characters, over TaskRouter's {MAX_QUEUE_NAME_LENGTH}",
            f"rename the queue to at most {MAX_QUEUE_NAME_LENGTH} characters",
        )
    if _CONTROL_CHARS.search(name):
        return (
            f"queue name {name!r} contains a control character",
            "remove tabs, newlines and other control characters from the name",
        )
    if "'" in name and '"' in name:
        return (
            f"queue name {name!r} contains both ' and \" so no TaskRouter string literal can hold it",
            "rename the queue to use only one kind of quote",
        )
    if "\\" in name:
        return (
            f"queue name {name!r} contains a backslash, which TaskRouter expressions do not "
            "document how to escape",
            "rename the queue without a backslash",
        )
    return None


def quote_literal(name: str) -> str:
    """A TaskRouter string literal for a checked name: single quotes unless the name has one."""
    problem = queue_name_problem(name)
    if problem is not None:
        raise ValueError(problem[0])
    return f'"{name}"' if "'" in name else f"'{name}'"


# `order_by`: comma-separated `worker.<attribute> [ASC|DESC]` clauses (TaskRouter docs always write the
# direction; the expression package reads a missing one as ASC, and we accept what it accepts). The JSON
# Schema carries the same pattern; a test keeps the two equal.
_ORDER_CLAUSE = (
    r"\s*worker\.[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*(\s+([Aa][Ss][Cc]|[Dd][Ee][Ss][Cc]))?\s*"
)
ORDER_BY_PATTERN = rf"^{_ORDER_CLAUSE}(,{_ORDER_CLAUSE})*$"
# A task attribute name used unquoted in expressions (TaskRouter does not support hyphens there).
ATTRIBUTE_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
MAX_ATTRIBUTE_NAME_LENGTH = 128  # what the functions accept (functions/README.md "Task attribute names")
# Task attributes the invite or Flex writes itself (chatTransferInvites: the invite's record on the
# transferred task, functions/README.md "Identical invites"); the functions refuse a transfer attribute
# named so.
RESERVED_ATTRIBUTE_NAMES = (
    "conversations",
    "conversationSid",
    "flexInteractionSid",
    "flexInteractionChannelSid",
    "flexChannelInviteSid",
    "chatTransferInvites",
)


DEFAULT_BUILD_TIMEOUT = 300.0
# The Flex configuration key (under ui_attributes.custom_data) the plugin reads the functions' domain from.
DEFAULT_FLEX_DOMAIN_KEY = "serverless_functions_domain"


@dataclass(frozen=True)
class StackSettings:
    """Everything a stack's config sets, read once (`flex_chat_transfer.workflow.loader.read_stack_config`):
    the workflow spec, and what the deploy needs beside it. `credentials` holds the `twilio:*` credential keys
    the config sets (full keys, secrets in clear: never printed)."""

    spec: ChatTransferSpec
    build_timeout: float = DEFAULT_BUILD_TIMEOUT
    flex_take_over: bool = False
    flex_domain_key: str = DEFAULT_FLEX_DOMAIN_KEY
    concurrency: int = DEFAULT_CONCURRENCY
    plugin: PluginSettings | None = None
    credentials: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
