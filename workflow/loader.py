"""Stack config (`chat-transfer:` keys) -> ChatTransferSpec. The one place config is checked, for
`Pulumi.<stack>.yaml` files and for the values `pulumi.Config` hands the Pulumi program alike.

Integers may be numbers or digit strings and booleans may be `true`/`false` strings, because
`pulumi.Config` yields strings for scalars; objects and lists may be JSON strings for the same reason.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from workflow.problems import Problem, ProblemsError
from workflow.spec import (
    ATTRIBUTE_NAME_PATTERN,
    ORDER_BY_PATTERN,
    AttributeNames,
    ChatTransferSpec,
    Features,
    FunctionsSettings,
    TransferQueue,
    queue_name_problem,
)

try:  # the expression parser lands separately; until then skipIf is checked by shape only
    from workflow.expressions import ExpressionError, parse
except ImportError:  # pragma: no cover - depends on the expressions module being present
    parse = None
    ExpressionError = Exception

NAMESPACE = "chat-transfer"
TOP_LEVEL_KEYS = (
    "workspace",
    "workflowName",
    "workerTransferQueue",
    "transferQueues",
    "attributes",
    "defaultQueue",
    "features",
    "functions",
    "taskReservationTimeout",
)
QUEUE_KEYS = ("name", "timeout", "priority", "orderBy", "skipIf", "fallbackQueue")
ATTRIBUTE_KEYS = {
    "targetType": "target_type",
    "targetSid": "target_sid",
    "queueName": "queue_name",
    "workersInConversation": "workers_in_conversation",
}
FEATURE_KEYS = ("cold_transfer", "multi_participant")
FUNCTIONS_KEYS = {"runtime": "runtime", "serviceName": "service_name", "environment": "environment"}
# Known keys that are deploy settings, not spec: infra/settings.py reads and checks them.
DEPLOY_ONLY_FUNCTIONS_KEYS = ("buildTimeout",)
# Serverless Build runtimes are `node<major>`. Twilio adds new ones without notice (node24 arrived after
# the OAI enum was cut), so the list is open-ended upwards; what is known to be retired is refused here,
# before anything is written, instead of failing a build after the uploads (node18 deployments fail since
# 2025-11-10).
_RUNTIME = re.compile(r"^node(?P<major>[1-9][0-9]*)$")
OLDEST_SUPPORTED_NODE = 20
MAX_PRIORITY = 2_147_483_647  # Task priority range (TaskRouter Task resource)
MAX_RESERVATION_TIMEOUT = 86_400  # Workflow TaskReservationTimeout (seconds)
MAX_SERVICE_NAME = 50  # Serverless Service UniqueName
_WORKSPACE_SID = re.compile(r"^WS[0-9a-fA-F]{32}$")
_SERVICE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class _Checker:
    """Collects problems while reading; every reader returns None for a value it rejected."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, message: str, hint: str) -> None:
        self.problems.append(Problem(f"{NAMESPACE}:{path}", message, hint))

    def mapping(self, value: Any, path: str, allowed: tuple[str, ...] | Mapping[str, str]) -> dict | None:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                self.add(
                    path, "is a string that is not a JSON object", "write a YAML mapping or a JSON object"
                )
                return None
        if not isinstance(value, Mapping):
            self.add(
                path, f"must be a mapping, got {_kind(value)}", f"write keys among: {', '.join(allowed)}"
            )
            return None
        for key in value:
            if key not in allowed:
                self.unknown_key(f"{path}.{key}", str(key), allowed)
        return dict(value)

    def unknown_key(self, path: str, key: str, allowed: Any) -> None:
        close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else f"use one of: {', '.join(allowed)}"
        self.add(path, f"unknown key {key!r}", hint)

    def text(self, value: Any, path: str, what: str, max_length: int | None = None) -> str | None:
        if not isinstance(value, str):
            self.add(path, f"must be a string, got {_kind(value)}", f"write the {what} as text")
            return None
        if not value.strip():
            self.add(path, "is empty", f"write the {what}, or remove the key to use the default")
            return None
        if _CONTROL.search(value):
            self.add(path, f"{value!r} contains a control character", "remove tabs and newlines")
            return None
        if max_length is not None and len(value) > max_length:
            self.add(
                path,
                f"is {len(value)} characters, over the limit of {max_length}",
                f"shorten the {what} to at most {max_length} characters",
            )
            return None
        return value

    def integer(self, value: Any, path: str, minimum: int, maximum: int | None, unit: str) -> int | None:
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value.strip()):
            number = int(value)
        if number is None:
            self.add(
                path,
                f"must be a whole number, got {_kind(value)} {value!r}",
                f"write a whole number of {unit}",
            )
            return None
        if number < minimum or (maximum is not None and number > maximum):
            bounds = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
            self.add(path, f"{number} is out of range", f"use {unit} {bounds}")
            return None
        return number

    def boolean(self, value: Any, path: str) -> bool | None:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        self.add(path, f"must be true or false, got {_kind(value)} {value!r}", "write true or false")
        return None

    def queue_name(self, value: Any, path: str) -> str | None:
        problem = queue_name_problem(value)
        if problem is not None:
            self.add(path, *problem)
            return None
        return value

    def expression(self, value: Any, path: str, context: str) -> str | None:
        text = self.text(value, path, "expression")
        if text is None or parse is None:
            return text
        try:
            parse(text, context)
        except ExpressionError as error:
            self.add(path, f"expression does not parse: {error}", "fix the expression at the column shown")
            return None
        return text


def _kind(value: Any) -> str:
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a mapping",
        type(None): "nothing",
    }.get(type(value), type(value).__name__)


def _read_queue(check: _Checker, entry: Any, path: str) -> TransferQueue | None:
    if isinstance(entry, str):
        name = check.queue_name(entry, path)
        return TransferQueue(name) if name is not None else None
    if not isinstance(entry, Mapping):
        check.add(
            path,
            f"must be a queue name or a mapping, got {_kind(entry)}",
            "write the queue name, or {name: ..., timeout: ...}",
        )
        return None
    before = len(check.problems)
    queue = check.mapping(entry, path, QUEUE_KEYS) or {}
    if "name" not in queue:
        check.add(f"{path}.name", "is missing", "give the queue's friendly name as name:")
    name = check.queue_name(queue["name"], f"{path}.name") if "name" in queue else None
    optional: dict[str, Any] = {}
    if queue.get("timeout") is not None:
        optional["timeout"] = check.integer(queue["timeout"], f"{path}.timeout", 1, None, "seconds")
    if queue.get("priority") is not None:
        optional["priority"] = check.integer(
            queue["priority"], f"{path}.priority", 0, MAX_PRIORITY, "priority"
        )
    if queue.get("orderBy") is not None:
        order_by = check.text(queue["orderBy"], f"{path}.orderBy", "worker ordering")
        if order_by is not None and not re.fullmatch(ORDER_BY_PATTERN, order_by):
            check.add(
                f"{path}.orderBy",
                f"{order_by!r} is not a worker ordering",
                "write clauses like 'worker.level DESC, worker.tenure ASC'",
            )
        optional["order_by"] = order_by
    if queue.get("skipIf") is not None:
        optional["skip_if"] = check.expression(queue["skipIf"], f"{path}.skipIf", "skip_if")
    if queue.get("fallbackQueue") is not None:
        fallback = check.queue_name(queue["fallbackQueue"], f"{path}.fallbackQueue")
        if fallback is not None and fallback == name:
            check.add(
                f"{path}.fallbackQueue",
                f"falls back to its own queue {name!r}",
                "name a different queue, or remove fallbackQueue",
            )
        elif fallback is not None and "timeout" not in optional and "skip_if" not in optional:
            check.add(
                f"{path}.fallbackQueue",
                f"fallback {fallback!r} is never reached: the queue has no timeout or skipIf",
                "add timeout: <seconds> (or skipIf) to this queue",
            )
        optional["fallback_queue"] = fallback
    if len(check.problems) > before or name is None:
        return None
    return TransferQueue(name, **optional)


def _read_queues(check: _Checker, value: Any) -> tuple[TransferQueue, ...]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            check.add("transferQueues", "is a string that is not a JSON list", "write a YAML list of queues")
            return ()
    if not isinstance(value, list):
        check.add("transferQueues", f"must be a list, got {_kind(value)}", "write a YAML list of queue names")
        return ()
    queues: list[TransferQueue] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(value):
        path = f"transferQueues[{index}]"
        queue = _read_queue(check, entry, path)
        if queue is None:
            continue
        if queue.name in seen:
            where = path if isinstance(entry, str) else f"{path}.name"
            check.add(
                where,
                f"queue {queue.name!r} is listed twice (first at transferQueues[{seen[queue.name]}])",
                "remove the duplicate: only the first filter for a name can ever match",
            )
            continue
        seen[queue.name] = index
        queues.append(queue)
    return tuple(queues)


def _read_section(
    check: _Checker,
    value: Any,
    key: str,
    fields: Mapping[str, str],
    read: Callable[[Any, str], Any],
    ignored: tuple[str, ...] = (),
) -> dict[str, Any]:
    section = check.mapping(value, key, {**fields, **dict.fromkeys(ignored, "")})
    if section is None:
        return {}
    out = {}
    for config_key, attr in fields.items():
        if config_key in section:
            parsed = read(section[config_key], f"{key}.{config_key}")
            if parsed is not None:
                out[attr] = parsed
    return out


def spec_from_config(values: Mapping[str, Any], stack: str) -> ChatTransferSpec:
    """Build the spec from the `chat-transfer:` keys (without the namespace). Raises ProblemsError."""
    check = _Checker()
    if not isinstance(values, Mapping):
        raise ProblemsError(
            [
                Problem(
                    f"{NAMESPACE}:",
                    f"config must be a mapping, got {_kind(values)}",
                    "write chat-transfer:<key> entries under config:",
                )
            ]
        )
    for key in values:
        if key not in TOP_LEVEL_KEYS:
            check.unknown_key(str(key), str(key), TOP_LEVEL_KEYS)
    fields: dict[str, Any] = {}

    if "workspace" in values:
        workspace = check.text(values["workspace"], "workspace", "workspace friendly name or WS SID", 64)
        if (
            workspace is not None
            and workspace.startswith("WS")
            and len(workspace) == 34
            and not _WORKSPACE_SID.match(workspace)
        ):
            check.add(
                "workspace",
                f"{workspace!r} looks like a workspace SID but is not one",
                "use WS followed by 32 hex digits, or the workspace's friendly name",
            )
        fields["workspace"] = workspace
    if "workflowName" in values:
        fields["workflow_name"] = check.text(values["workflowName"], "workflowName", "workflow name")
    if "workerTransferQueue" in values:
        fields["worker_transfer_queue"] = check.queue_name(
            values["workerTransferQueue"], "workerTransferQueue"
        )
    if "transferQueues" in values:
        fields["transfer_queues"] = _read_queues(check, values["transferQueues"])
    if values.get("defaultQueue") is not None:
        fields["default_queue"] = check.queue_name(values["defaultQueue"], "defaultQueue")
    if values.get("taskReservationTimeout") is not None:
        fields["task_reservation_timeout"] = check.integer(
            values["taskReservationTimeout"], "taskReservationTimeout", 1, MAX_RESERVATION_TIMEOUT, "seconds"
        )

    def attribute(value: Any, path: str) -> str | None:
        name = check.text(value, path, "task attribute name")
        if name is not None and not re.fullmatch(ATTRIBUTE_NAME_PATTERN, name):
            check.add(
                path,
                f"{name!r} cannot be used unquoted in a TaskRouter expression",
                "use letters, digits and underscores only, not starting with a digit",
            )
            return None
        return name

    if "attributes" in values:
        fields["attributes"] = AttributeNames(
            **_read_section(check, values["attributes"], "attributes", ATTRIBUTE_KEYS, attribute)
        )
    if "features" in values:
        fields["features"] = Features(
            **_read_section(
                check, values["features"], "features", {k: k for k in FEATURE_KEYS}, check.boolean
            )
        )

    def functions_value(value: Any, path: str) -> str | None:
        if path.endswith(".runtime"):
            runtime = check.text(value, path, "runtime")
            if runtime is None:
                return None
            match = _RUNTIME.match(runtime)
            if match is None:
                check.add(
                    path,
                    f"unknown Serverless runtime {runtime!r}",
                    "use node<major version>, e.g. node22 (the default) or node24",
                )
                return None
            if int(match["major"]) < OLDEST_SUPPORTED_NODE:
                check.add(
                    path,
                    f"Serverless runtime {runtime!r} is retired by Twilio (builds on it fail)",
                    f"use node{OLDEST_SUPPORTED_NODE} or newer, e.g. node22 (the default) or node24",
                )
                return None
            return runtime
        if path.endswith(".serviceName"):
            name = check.text(value, path, "service unique name", MAX_SERVICE_NAME)
            if name is not None and not _SERVICE_NAME.match(name):
                check.add(
                    path,
                    f"{name!r} is not a usable Serverless unique name",
                    "use letters, digits and hyphens, starting with a letter or digit",
                )
                return None
            return name
        return check.text(value, path, "environment name", 100)

    functions = _read_section(
        check,
        values.get("functions", {}),
        "functions",
        FUNCTIONS_KEYS,
        functions_value,
        ignored=DEPLOY_ONLY_FUNCTIONS_KEYS,
    )
    functions.setdefault("environment", stack)
    fields["functions"] = FunctionsSettings(**functions)

    if check.problems:
        raise ProblemsError(check.problems)
    return ChatTransferSpec(**{k: v for k, v in fields.items() if v is not None})


def load_stack_file(path: str | Path, stack: str | None = None) -> ChatTransferSpec:
    """Read `Pulumi.<stack>.yaml` and build the spec from its `chat-transfer:` entries.
    Other namespaces (`twilio:` ...) are ignored. Raises ProblemsError, OSError for an unreadable file."""
    path = Path(path)
    if stack is None:
        match = re.fullmatch(r"Pulumi\.(.+)\.ya?ml", path.name)
        stack = match.group(1) if match else path.stem
    text = path.read_text(encoding="utf-8")
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ProblemsError(
            [Problem(str(path), f"is not valid YAML{where}", "fix the YAML syntax (indentation, quotes)")]
        ) from None
    if document is None:
        document = {}
    config = document.get("config", {}) if isinstance(document, Mapping) else None
    if config is None:
        config = {}
    if not isinstance(config, Mapping):
        raise ProblemsError(
            [
                Problem(
                    f"{path}:config",
                    f"must be a mapping, got {_kind(config)}",
                    "write config: followed by indented key: value lines",
                )
            ]
        )
    prefix = f"{NAMESPACE}:"
    values = {
        key[len(prefix) :]: value
        for key, value in config.items()
        if isinstance(key, str) and key.startswith(prefix)
    }
    return spec_from_config(values, stack)
