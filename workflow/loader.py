"""Stack config -> StackSettings (the ChatTransferSpec and the deploy settings beside it). The one place
config is checked, for `Pulumi.<stack>.yaml` files (the offline CLI) and for the values the engine hands the
Pulumi program alike, with the same per-stack default names.

Each key is a row of a table (config key, spec attribute, reader); readers record a problem and return
None for a value they reject, so every problem is reported at once. Integers may be numbers or digit
strings and booleans `true`/`false` strings, because `pulumi.Config` yields strings for scalars; objects
and lists may be JSON strings for the same reason.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flex_chat_transfer.workflow.flex_plugin import PluginSettings, name_problem, version_problem
from flex_chat_transfer.workflow.inputs import check_value, load_json, load_yaml, read_text
from flex_chat_transfer.workflow.problems import Collector, Problem, ProblemsError, kind, shown
from flex_chat_transfer.workflow.spec import (
    ATTRIBUTE_NAME_PATTERN,
    DEFAULT_FLEX_DOMAIN_KEY,
    MAX_ATTRIBUTE_NAME_LENGTH,
    MAX_RESERVED_WORKERS,
    ORDER_BY_PATTERN,
    RESERVED_ATTRIBUTE_NAMES,
    TASK_ORDERS,
    AttachTo,
    AttributeNames,
    ChatTransferSpec,
    Features,
    FunctionsSettings,
    StackSettings,
    TransferQueue,
    queue_name_problem,
)
from flex_chat_transfer.workflow.twilio_limits import (
    FLEX_KEY_NAME,
    MAX_CONCURRENCY,
    MAX_FRIENDLY_NAME,
    MAX_PRIORITY,
    MAX_RESERVATION_TIMEOUT,
    MAX_SERVICE_NAME,
    MAX_TARGET_TIMEOUT,
    WORKSPACE_SID,
)

NAMESPACE = "chat-transfer"
# Pulumi hands the whole stack config to the program in one environment variable (PULUMI_CONFIG), and
# Linux refuses a single environment string over 128 KiB (MAX_ARG_STRLEN) with "argument list too long".
MAX_CONFIG_BYTES = 128 * 1024 - 4 * 1024  # room for the other namespaces' keys
# Serverless Build runtimes are `node<major>`. Twilio adds new ones without notice (node24 arrived after
# the OAI enum was cut), so the list is open-ended upwards; what is known to be retired is refused here,
# before anything is written, instead of failing a build after the uploads (node18 deployments fail since
# 2025-11-10).
OLDEST_SUPPORTED_NODE = 20
_RUNTIME = re.compile(r"^node(?P<major>[1-9][0-9]*)$")
_SERVICE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,15}")

Reader = Callable[[Collector, Any, str], Any]


@dataclass(frozen=True)
class Field:
    """One config key: where it goes in the spec and how it is read. `null` means "the default" for
    optional keys (`skip_null`)."""

    key: str
    attribute: str
    read: Reader
    skip_null: bool = False


# -- readers ---------------------------------------------------------------------------------------


def unknown_key(check: Collector, path: str, key: str, allowed: Iterable[str]) -> None:
    allowed = list(allowed)
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}?" if close else f"use one of: {', '.join(allowed)}"
    check.add(path, f"unknown key {key!r}", hint)


def _decoded(check: Collector, value: Any, path: str, what: str) -> Any:
    """A JSON string (what `pulumi.Config` yields for objects and lists) decoded; None if it is not JSON."""
    if not isinstance(value, str):
        return value
    try:
        return load_json(value, f"{NAMESPACE}:{path}")
    except ProblemsError as error:
        reason = error.problems[0].message
        check.add(path, f"is a string that is not a JSON {what} ({reason})", f"write a YAML {what}")
        return None


def read_mapping(check: Collector, value: Any, path: str, allowed: Iterable[str]) -> dict[str, Any] | None:
    allowed = list(allowed)
    value = _decoded(check, value, path, "object")
    if value is None:
        return None
    if not isinstance(value, Mapping):
        check.add(path, f"must be an object, got {kind(value)}", f"write keys among: {', '.join(allowed)}")
        return None
    for key in value:
        if key not in allowed:
            unknown_key(check, f"{path}.{key}", str(key), allowed)
    return dict(value)


def text(what: str, max_length: int | None = None) -> Reader:
    def read(check: Collector, value: Any, path: str) -> str | None:
        if not isinstance(value, str):
            check.add(path, f"must be a string, got {kind(value)}", f"write the {what} as text")
            return None
        if not value.strip():
            check.add(path, "is empty", f"write the {what}, or remove the key to use the default")
            return None
        if _CONTROL.search(value):
            check.add(path, f"{value[:40]!r} contains a control character", "remove tabs and newlines")
            return None
        if max_length is not None and len(value) > max_length:
            check.add(
                path,
                f"is {len(value)} characters, over the limit of {max_length}",
                f"shorten the {what} to at most {max_length} characters",
            )
            return None
        return value

    return read


def integer(minimum: int, maximum: int, unit: str) -> Reader:
    def read(check: Collector, value: Any, path: str) -> int | None:
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value.strip()):
            number = int(value)
        if number is None:
            check.add(path, f"must be a whole number, got {shown(value)}", f"write a whole number of {unit}")
            return None
        if not minimum <= number <= maximum:
            check.add(path, f"{number} is out of range", f"use {unit} between {minimum} and {maximum}")
            return None
        return number

    return read


def boolean(check: Collector, value: Any, path: str) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    check.add(path, f"must be true or false, got {shown(value)}", "write true or false")
    return None


def queue_name(check: Collector, value: Any, path: str) -> str | None:
    problem = queue_name_problem(value)
    if problem is not None:
        check.add(path, *problem)
        return None
    return str(value)


def expression(context: str) -> Reader:
    def read(check: Collector, value: Any, path: str) -> str | None:
        # The expression parser (lark) loads only for a config that has an expression: the Pulumi program
        # reads its config before it registers the provider, and the engine starts the plugin only then.
        from flex_chat_transfer.workflow.expressions import ExpressionError, parse

        source = text("expression")(check, value, path)
        if source is None:
            return None
        try:
            parse(source, context)
        except ExpressionError as error:
            check.add(path, f"expression does not parse: {error}", "fix the expression at the column shown")
            return None
        return str(source)

    return read


def shaped(
    what: str, fits: Callable[[str], object], problem: str, hint: str, max_length: int | None = None
) -> Reader:
    """A text reader that also requires `fits(text)`; `problem` is formatted with the text as {0!r}."""
    read_text_value = text(what, max_length)

    def read(check: Collector, value: Any, path: str) -> str | None:
        name: str | None = read_text_value(check, value, path)
        if name is not None and not fits(name):
            check.add(path, problem.format(name), hint)
            return None
        return name

    return read


order_by = shaped(
    "worker ordering",
    lambda clauses: re.fullmatch(ORDER_BY_PATTERN, clauses),
    "{0!r} is not a worker ordering",
    "write clauses like 'worker.level DESC, worker.tenure ASC'",
)
# A 34-character WS… that is not a SID is a typo, not a friendly name.
workspace = shaped(
    "workspace friendly name or WS SID",
    lambda name: not (name.startswith("WS") and len(name) == 34) or WORKSPACE_SID.match(name),
    "{0!r} looks like a workspace SID but is not one",
    "use WS followed by 32 hex digits, or the workspace's friendly name",
    MAX_FRIENDLY_NAME,
)
_attribute_shape = shaped(
    "task attribute name",
    lambda name: re.fullmatch(ATTRIBUTE_NAME_PATTERN, name),
    "{0!r} cannot be used unquoted in a TaskRouter expression",
    "use letters, digits and underscores only, not starting with a digit",
    MAX_ATTRIBUTE_NAME_LENGTH,
)


def attribute_name(check: Collector, value: Any, path: str) -> str | None:
    """A transfer attribute name the workflow reads unquoted and the functions accept (they refuse the
    names the invite or Flex writes itself)."""
    name: str | None = _attribute_shape(check, value, path)
    if name is not None and name in RESERVED_ATTRIBUTE_NAMES:
        check.add(
            path,
            f"{name!r} is a task attribute the invite or Flex writes itself",
            f"choose another name (not one of {', '.join(RESERVED_ATTRIBUTE_NAMES)})",
        )
        return None
    return name


def task_order(check: Collector, value: Any, path: str) -> str | None:
    if value not in TASK_ORDERS:
        check.add(path, f"must be FIFO or LIFO, got {shown(value)}", "write FIFO (the default) or LIFO")
        return None
    return str(value)


service_name = shaped(
    "service unique name",
    _SERVICE_NAME.match,
    "{0!r} is not a usable Serverless unique name",
    "use letters, digits and hyphens, starting with a letter or digit",
    MAX_SERVICE_NAME,
)


def runtime(check: Collector, value: Any, path: str) -> str | None:
    name = text("runtime")(check, value, path)
    if name is None:
        return None
    match = _RUNTIME.match(name)
    if match is None:
        check.add(
            path,
            f"unknown Serverless runtime {name!r}",
            "use node<major version>, e.g. node22 (the default) or node24",
        )
        return None
    if int(match["major"]) < OLDEST_SUPPORTED_NODE:
        check.add(
            path,
            f"Serverless runtime {name!r} is retired by Twilio (builds on it fail)",
            f"use node{OLDEST_SUPPORTED_NODE} or newer, e.g. node22 (the default) or node24",
        )
        return None
    return str(name)


def read_fields(
    check: Collector, values: Mapping[str, Any], prefix: str, fields: Iterable[Field]
) -> dict[str, Any]:
    """Every field present in `values`, read; rejected values are left out (their problem is recorded)."""
    out: dict[str, Any] = {}
    for row in fields:
        if row.key not in values or (row.skip_null and values[row.key] is None):
            continue
        parsed = row.read(check, values[row.key], f"{prefix}{row.key}")
        if parsed is not None:
            out[row.attribute] = parsed
    return out


def section(fields: tuple[Field, ...]) -> Callable[[Collector, Any, str], dict[str, Any]]:
    """A reader of a nested mapping (attributes, features, functions) from its own table."""

    def read(check: Collector, value: Any, path: str) -> dict[str, Any]:
        body = read_mapping(check, value, path, [row.key for row in fields])
        return {} if body is None else read_fields(check, body, f"{path}.", fields)

    return read


# -- tables ----------------------------------------------------------------------------------------

QUEUE_FIELDS = (
    Field("name", "name", queue_name),
    Field("timeout", "timeout", integer(1, MAX_TARGET_TIMEOUT, "seconds"), skip_null=True),
    Field("priority", "priority", integer(0, MAX_PRIORITY, "priority"), skip_null=True),
    Field("orderBy", "order_by", order_by, skip_null=True),
    Field("skipIf", "skip_if", expression("skip_if"), skip_null=True),
    Field("fallbackQueue", "fallback_queue", queue_name, skip_null=True),
    # A queue with targetWorkers is created and owned by the stack (`twiliox:taskrouter:TaskQueue`).
    Field("targetWorkers", "target_workers", expression("queue"), skip_null=True),
    Field(
        "maxReservedWorkers",
        "max_reserved_workers",
        integer(1, MAX_RESERVED_WORKERS, "workers"),
        skip_null=True,
    ),
    Field("taskOrder", "task_order", task_order, skip_null=True),
    Field("renamedFrom", "renamed_from", queue_name, skip_null=True),
)
# TaskQueue fields only a declared queue takes: a looked-up queue is not ours to change.
DECLARED_ONLY_QUEUE_KEYS = ("maxReservedWorkers", "taskOrder", "renamedFrom")
ATTRIBUTE_FIELDS = (
    Field("targetType", "target_type", attribute_name),
    Field("targetSid", "target_sid", attribute_name),
    Field("queueName", "queue_name", attribute_name),
    Field("workersInConversation", "workers_in_conversation", attribute_name),
)
FEATURE_FIELDS = (
    Field("enabled", "enabled", boolean),
    Field("cold_transfer", "cold_transfer", boolean),
    Field("multi_participant", "multi_participant", boolean),
)
ATTACH_FIELDS = (
    Field("service", "service", text("service's unique name or ZS… SID", 50)),
    Field("environment", "environment", text("environment's unique name or ZE… SID", 100)),
)


def attach_to(check: Collector, value: Any, path: str) -> AttachTo | None:
    """`functions.attachTo`: the service and environment that already serve the feature's functions."""
    before = len(check)
    body = read_mapping(check, value, path, [row.key for row in ATTACH_FIELDS])
    if body is None:
        return None
    for row in ATTACH_FIELDS:
        if body.get(row.key) is None:
            check.add(
                f"{path}.{row.key}",
                "is missing",
                "give both service and environment (unique names or SIDs) of the functions to attach to",
            )
    fields = read_fields(check, body, f"{path}.", ATTACH_FIELDS)
    if len(check) > before:
        return None
    return AttachTo(**fields)


FUNCTIONS_FIELDS = (
    Field("runtime", "runtime", runtime),
    Field("serviceName", "service_name", service_name),
    Field("environment", "environment", text("environment name", 100)),
    Field("attachTo", "attach_to", attach_to, skip_null=True),
)


# -- deploy settings: read in the same pass, kept out of the spec ---------------------------------------

MAX_BUILD_TIMEOUT = 3600
# custom_data members that are not a domain: our owner records, the feature flags' object, and the keys the
# plugin reads beside the domain (the stack leaves those to the user: protocol defaults to https, no port).
RESERVED_CUSTOM_DATA = (
    "chat_transfer_owners",
    "chat_transfer_claims",
    "features",
    "serverless_functions_protocol",
    "serverless_functions_port",
)


def take_over(check: Collector, value: Any, path: str) -> bool | None:
    if isinstance(value, str):
        value = {"true": True, "false": False}.get(value.lower(), value)
    if not isinstance(value, bool):
        check.add(path, f"{value!r} is not true or false", "true or false")
        return None
    return value


def build_timeout(check: Collector, value: Any, path: str) -> float | None:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if isinstance(value, bool) or not 0 < seconds <= MAX_BUILD_TIMEOUT:
        check.add(path, f"{value!r} is not a number of seconds in 1..{MAX_BUILD_TIMEOUT}", "e.g. 300")
        return None
    return seconds


def flex_domain_key(check: Collector, value: Any, path: str) -> str | None:
    """`chat-transfer:flex` → the custom_data key the functions' domain is written to."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    if not isinstance(value, Mapping):
        check.add(path, "not an object", "e.g. {domainKey: serverless_functions_domain}")
        return None
    unknown = sorted(set(value) - {"domainKey"})
    if unknown:
        check.add(f"{path}.{unknown[0]}", "unknown key", "remove it; known: domainKey")
        return None
    key = value.get("domainKey", DEFAULT_FLEX_DOMAIN_KEY)
    if not isinstance(key, str) or not FLEX_KEY_NAME.match(key) or key in RESERVED_CUSTOM_DATA:
        check.add(
            f"{path}.domainKey",
            f"{str(key)[:80]!r} is not a key name the stack may set under ui_attributes.custom_data",
            f"letters, digits, _ and -, no dots, not one of {', '.join(RESERVED_CUSTOM_DATA)}; "
            "e.g. serverless_functions_domain",
        )
        return None
    return key


def concurrency(check: Collector, value: Any, path: str) -> int | None:
    try:
        calls = int(value)
    except (TypeError, ValueError):
        calls = 0
    if isinstance(value, bool) or not 1 <= calls <= MAX_CONCURRENCY:
        check.add(path, f"{value!r} is not a number of calls in 1..{MAX_CONCURRENCY}", "e.g. 10")
        return None
    return calls


PLUGIN_KEYS = ("name", "bundle", "version")


def plugin(check: Collector, value: Any, path: str) -> PluginSettings | None:
    """`chat-transfer:plugin`: {name, bundle, version?}. The bundle file itself is read by the program (its
    size and content), before any write."""
    before = len(check)
    body = read_mapping(check, value, path, PLUGIN_KEYS)
    if body is None:
        return None
    name = body.get("name")
    if name is None:
        check.add(
            f"{path}.name", "is missing", "give the Flex plugin's unique name, e.g. plugin-chat-transfer"
        )
    elif problem := name_problem(name):
        check.add(f"{path}.name", problem, "use the plugin's package.json name")
    bundle = body.get("bundle")
    if bundle is None:
        check.add(f"{path}.bundle", "is missing", "give the path of the built plugin bundle (.js)")
    else:
        bundle = text("bundle's path", 1024)(check, bundle, f"{path}.bundle")
    version = body.get("version")
    if version is not None:
        version = (
            str(version) if isinstance(version, int | float) and not isinstance(version, bool) else version
        )
        if problem := version_problem(version):
            check.add(f"{path}.version", problem, "remove the key to derive one, or write e.g. 1.4.0")
    if len(check) > before:
        return None
    return PluginSettings(name=str(name), bundle=str(bundle), version=version)


# Known keys that are deploy settings, not spec: read with the spec, handed on in StackSettings.
DEPLOY_FUNCTIONS_FIELDS = (Field("buildTimeout", "build_timeout", build_timeout),)
DEPLOY_FIELDS = (
    Field("flexTakeOver", "flex_take_over", take_over),
    Field("flex", "flex_domain_key", flex_domain_key, skip_null=True),
    Field("plugin", "plugin", plugin, skip_null=True),
)
DEPLOY_KEYS = tuple(row.key for row in DEPLOY_FIELDS)
# The `twilio:` keys of the stack config the deploy reads (the provider's config namespace).
TWILIO_NAMESPACE = "twilio"
TWILIO_FIELDS = (Field("concurrency", "concurrency", concurrency),)  # twilio:concurrency: parsed here only
CREDENTIAL_KEYS = ("accountSid", "authToken", "apiKey", "apiSecret")


def transfer_queue(check: Collector, entry: Any, path: str) -> TransferQueue | None:
    if isinstance(entry, str):
        name = queue_name(check, entry, path)
        return TransferQueue(name) if name is not None else None
    if not isinstance(entry, Mapping):
        check.add(
            path,
            f"must be a queue name or an object, got {shown(entry)}",
            "write the queue name, or {name: ..., timeout: ...}",
        )
        return None
    before = len(check)
    body = read_mapping(check, entry, path, [row.key for row in QUEUE_FIELDS]) or {}
    if "name" not in body:
        check.add(f"{path}.name", "is missing", "give the queue's friendly name as name:")
    fields = read_fields(check, body, f"{path}.", QUEUE_FIELDS)
    fallback, name = fields.get("fallback_queue"), fields.get("name")
    if fallback is not None and fallback == name:
        check.add(
            f"{path}.fallbackQueue",
            f"falls back to its own queue {name!r}",
            "name a different queue, or remove fallbackQueue",
        )
    elif (
        fallback is not None and "timeout" not in fields and "skip_if" not in fields and len(check) == before
    ):
        check.add(
            f"{path}.fallbackQueue",
            f"fallback {fallback!r} is never reached: the queue has no timeout or skipIf",
            "add timeout: <seconds> (or skipIf) to this queue",
        )
    if fields.get("renamed_from") is not None and fields.get("renamed_from") == name:
        check.add(
            f"{path}.renamedFrom",
            f"is the queue's own name {name!r}",
            "write the name the queue had before, or remove renamedFrom",
        )
    if "target_workers" not in fields and len(check) == before:
        for key in DECLARED_ONLY_QUEUE_KEYS:
            if key in body and body[key] is not None:
                check.add(
                    f"{path}.{key}",
                    f"only a queue this stack creates takes {key}; {name!r} is looked up as it is",
                    f"add targetWorkers: <expression> to create the queue from this stack, or remove {key}",
                )
    if len(check) > before or name is None:
        return None
    return TransferQueue(**fields)


def transfer_queues(check: Collector, value: Any, path: str) -> tuple[TransferQueue, ...] | None:
    value = _decoded(check, value, path, "list")
    if value is None:
        return None
    if not isinstance(value, list):
        check.add(path, f"must be a list, got {kind(value)}", "write a YAML list of queue names")
        return None
    queues: list[TransferQueue] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(value):
        where = f"{path}[{index}]"
        queue = transfer_queue(check, entry, where)
        if queue is None:
            continue
        if queue.name in seen:
            check.add(
                where if isinstance(entry, str) else f"{where}.name",
                f"queue {queue.name!r} is listed twice (first at {path}[{seen[queue.name]}])",
                "remove the duplicate: only the first filter for a name can ever match",
            )
            continue
        seen[queue.name] = index
        queues.append(queue)
    return tuple(queues)


TOP_LEVEL_FIELDS = (
    Field("workspace", "workspace", workspace),
    Field("workflowName", "workflow_name", text("workflow name")),
    Field("workerTransferQueue", "worker_transfer_queue", queue_name),
    Field("transferQueues", "transfer_queues", transfer_queues),
    Field("attributes", "attributes", section(ATTRIBUTE_FIELDS)),
    Field("defaultQueue", "default_queue", queue_name, skip_null=True),
    Field("features", "features", section(FEATURE_FIELDS)),
    Field("functions", "functions", section(FUNCTIONS_FIELDS + DEPLOY_FUNCTIONS_FIELDS)),
    Field(
        "taskReservationTimeout",
        "task_reservation_timeout",
        integer(1, MAX_RESERVATION_TIMEOUT, "seconds"),
        skip_null=True,
    ),
)
TOP_LEVEL_KEYS = tuple(row.key for row in TOP_LEVEL_FIELDS)
# The nested sections become their own spec types.
_SECTION_TYPES: dict[str, Callable[..., Any]] = {"attributes": AttributeNames, "features": Features}


def spec_from_config(values: Mapping[str, Any], stack: str) -> ChatTransferSpec:
    """Build the spec from the `chat-transfer:` keys (without the namespace), with the spec's own defaults
    (no per-stack names: see `read_stack_config`). Raises ProblemsError."""
    return read_config(values, stack).spec


def read_stack_config(config: Mapping[str, Any], stack: str) -> StackSettings:
    """The settings of a whole stack config (full keys: `chat-transfer:*`, `twilio:*`; other namespaces are
    not ours). Names that must differ between two stacks of one account default per stack when the config
    leaves them out: the workflow `Chat Transfer (<stack>)` and the Functions service `chat-transfer-<stack>`
    (the environment already defaults to the stack name). Raises ProblemsError with every problem."""
    own, twilio = f"{NAMESPACE}:", f"{TWILIO_NAMESPACE}:"
    values = {k[len(own) :]: v for k, v in config.items() if isinstance(k, str) and k.startswith(own)}
    twilio_values = {
        k[len(twilio) :]: v for k, v in config.items() if isinstance(k, str) and k.startswith(twilio)
    }
    return read_config(values, stack, twilio_values, per_stack_names=True)


def per_stack_names_of(stack: str) -> tuple[str, str]:
    """(workflow name, Functions service unique name) a stack gets when its config names neither."""
    slug = re.sub(r"[^a-z0-9-]+", "-", stack.lower()).strip("-")
    return f"Chat Transfer ({stack})", f"chat-transfer-{slug}"[:MAX_SERVICE_NAME].rstrip("-")


def read_config(
    values: Mapping[str, Any],
    stack: str,
    twilio_values: Mapping[str, Any] | None = None,
    per_stack_names: bool = False,
) -> StackSettings:
    """One read of the `chat-transfer:` keys (without the namespace) and the deploy's `twilio:` keys."""
    if not isinstance(values, Mapping):
        raise ProblemsError(
            [
                Problem(
                    f"{NAMESPACE}:",
                    f"config must be an object, got {kind(values)}",
                    "write chat-transfer:<key> entries under config:",
                )
            ]
        )
    check_value(dict(values), f"{NAMESPACE}:")
    size = len(json.dumps(values, default=str))
    if size > MAX_CONFIG_BYTES:
        sizes = {str(key): len(json.dumps(value, default=str)) for key, value in values.items()}
        biggest = max(sizes, key=sizes.__getitem__)
        raise ProblemsError(
            [
                Problem(
                    f"{NAMESPACE}:{biggest}",
                    f"the chat-transfer config is {size} bytes ({sizes[biggest]} of them in {biggest}), over "
                    f"the {MAX_CONFIG_BYTES} the Pulumi engine can hand to the program",
                    f"shorten {biggest}",
                )
            ]
        )
    check = Collector(f"{NAMESPACE}:")
    for key in values:
        if key not in TOP_LEVEL_KEYS and key not in DEPLOY_KEYS:
            unknown_key(check, str(key), str(key), TOP_LEVEL_KEYS)
    fields = read_fields(check, values, "", TOP_LEVEL_FIELDS + DEPLOY_FIELDS)
    deploy = {row.attribute: fields.pop(row.attribute) for row in DEPLOY_FIELDS if row.attribute in fields}
    set_attributes = set(fields.get("attributes", {}))
    for key, make in _SECTION_TYPES.items():
        if key in fields:
            fields[key] = make(**fields[key])
    functions = fields.get("functions", {})
    if "build_timeout" in functions:
        deploy["build_timeout"] = functions.pop("build_timeout")
    functions.setdefault("environment", stack)
    if per_stack_names:
        workflow_name, service_name = per_stack_names_of(stack)
        fields.setdefault("workflow_name", workflow_name)
        functions.setdefault("service_name", service_name)
    fields["functions"] = FunctionsSettings(**functions)
    if "attributes" in fields:
        distinct_attributes(check, fields["attributes"], set_attributes)
    twilio_check = Collector(f"{TWILIO_NAMESPACE}:")
    twilio_values = twilio_values or {}
    deploy.update(read_fields(twilio_check, twilio_values, "", TWILIO_FIELDS))
    check.problems.extend(twilio_check.problems)
    check.raise_if_any()
    credentials = {
        f"{TWILIO_NAMESPACE}:{key}": value
        for key in CREDENTIAL_KEYS
        if isinstance(value := twilio_values.get(key), str) and value
    }
    return StackSettings(ChatTransferSpec(**fields), credentials=credentials, **deploy)


def distinct_attributes(check: Collector, names: AttributeNames, set_here: set[str]) -> None:
    """The four names, defaults included, must differ: one attribute cannot carry two roles. `set_here`:
    the spec attributes the config sets (a clash is reported on the key the user wrote)."""
    keys = {row.key: row.attribute for row in ATTRIBUTE_FIELDS}
    by_name: dict[str, list[str]] = {}
    for key, name in names.by_key().items():
        by_name.setdefault(name, []).append(key)
    for name, sharing in by_name.items():
        if len(sharing) < 2:
            continue
        written = [key for key in sharing if keys[key] in set_here] or sharing
        others = [
            f"attributes.{key}" + ("" if keys[key] in set_here else " (its default)")
            for key in sharing
            if key != written[0]
        ]
        check.add(
            f"attributes.{written[0]}",
            f"names the attribute {name!r}, as {' and '.join(others)} does",
            "give each of targetType, targetSid, queueName, workersInConversation its own name",
        )


def load_stack_file(path: str | Path, stack: str | None = None) -> ChatTransferSpec:
    """Read `Pulumi.<stack>.yaml` and build the spec from its `chat-transfer:` entries, with the per-stack
    default names the deploy uses (the `twilio:` deploy keys are checked too; other namespaces are ignored).
    Raises ProblemsError (one line for a file that cannot be read, is too big or too deep, or is not YAML)."""
    path = Path(path)
    if stack is None:
        match = re.fullmatch(r"Pulumi\.(.+)\.ya?ml", path.name)
        stack = match.group(1) if match else path.stem
    hint = "pass --stack NAME of an existing Pulumi.NAME.yaml, or --project-dir"
    return spec_from_stack_text(read_text(path, "stack config", missing_hint=hint), str(path), stack)


def spec_from_stack_text(text: str, where: str, stack: str) -> ChatTransferSpec:
    """The spec of a stack file's text (`where` names it in problems: a path, or `REV:Pulumi.dev.yaml`)."""
    return settings_from_stack_text(text, where, stack).spec


def settings_from_stack_text(text: str, where: str, stack: str) -> StackSettings:
    """All the settings of a stack file's text (the spec and the deploy settings, e.g. the Flex plugin)."""
    document = load_yaml(text, where)
    if document is None:
        document = {}
    config = document.get("config", {}) if isinstance(document, Mapping) else None
    if config is None:
        config = {}
    if not isinstance(config, Mapping):
        raise ProblemsError(
            [
                Problem(
                    f"{where}:config",
                    f"must be an object, got {kind(config)}",
                    "write config: followed by indented key: value lines",
                )
            ]
        )
    return read_stack_config(config, stack)
