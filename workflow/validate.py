"""Is this TaskRouter workflow configuration deployable? JSON Schema first, then what a schema cannot
say: the size limit, duplicate filter names, expressions that parse, queue SIDs that exist."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from workflow.expressions import ExpressionError, parse
from workflow.problems import Problem
from workflow.render import PLACEHOLDER_PREFIX, QUEUE_SID_PATTERN, to_json

# TaskRouter documents the cap as "1038576 bytes (1MB)" (sic); we hold to the smaller documented number.
MAX_CONFIGURATION_BYTES = 1_038_576
MAX_PRIORITY = 2_147_483_647
_VALUE_VALIDATORS = {"type", "pattern", "minimum", "maximum", "minLength", "anyOf", "not"}


@cache
def load_schema() -> dict:
    text = resources.files("workflow").joinpath("schema/taskrouter-workflow.schema.json").read_text("utf-8")
    return json.loads(text)


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(load_schema())


def json_path(parts: Iterable[Any]) -> str:
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and part.isidentifier():
            out += f".{part}"
        else:
            out += f"[{json.dumps(part)}]"
    return out


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _kind(value: Any) -> str:
    return {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _schema_problems(error: ValidationError) -> list[Problem]:
    """One schema error -> one line per thing the user must change."""
    path = list(error.absolute_path)
    where = json_path(path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    rule, fix = schema.get("x-rule"), schema.get("x-fix")
    if error.validator == "required":
        missing = [key for key in error.validator_value if key not in error.instance]
        if missing == ["queue"] and path and path[-1] == 0:
            hint = "give the first target a queue (WQ SID); later targets inherit it"
        else:
            hint = "add the key"
        return [Problem(json_path([*path, key]), f"required key {key!r} is missing", hint) for key in missing]
    if error.validator == "additionalProperties":
        allowed = list(schema.get("properties", {}))
        problems = []
        for key in error.instance:
            if key in allowed:
                continue
            if key == "timeout" and path and path[-1] == "default_filter":
                problems.append(
                    Problem(
                        json_path([*path, key]),
                        "default_filter cannot have a timeout (the task waits there until its TTL)",
                        "remove timeout",
                    )
                )
                continue
            close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else f"allowed keys: {', '.join(allowed)}"
            problems.append(Problem(json_path([*path, key]), f"unknown key {key!r}", hint))
        return problems
    if (
        error.validator == "pattern"
        and isinstance(error.instance, str)
        and error.instance.startswith(PLACEHOLDER_PREFIX)
    ):
        name = error.instance[len(PLACEHOLDER_PREFIX) : -1]
        return [
            Problem(
                where,
                f"is a placeholder for queue {name!r}, not a TaskQueue SID",
                "render with --queue-sids FILE.json mapping queue names to WQ SIDs",
            )
        ]
    if rule and error.validator in _VALUE_VALIDATORS:
        message = rule if error.validator == "not" else f"{rule}, got {_short(error.instance)}"
        return [Problem(where, message, fix or "see the TaskRouter workflow documentation")]
    if error.validator == "type":
        return [
            Problem(
                where,
                f"must be {_kind_name(error.validator_value)}, got {_kind(error.instance)}",
                f"write {_kind_name(error.validator_value)}",
            )
        ]
    if error.validator == "minItems":
        return [Problem(where, "is empty", fix or "add at least one entry")]
    if error.validator == "minProperties":
        return [Problem(where, "is empty", fix or "add a key")]
    return [Problem(where, error.message, fix or "see the TaskRouter workflow documentation")]


def _kind_name(json_type: Any) -> str:
    return {"object": "an object", "array": "an array", "string": "a string"}.get(json_type, str(json_type))


def _sort_key(error: ValidationError) -> list[tuple[int, Any]]:
    return [(0, part) if isinstance(part, int) else (1, str(part)) for part in error.absolute_path]


def _expressions(document: Any) -> Iterable[tuple[list[Any], str, str]]:
    """(path, text, context) for every expression-like string in a schema-shaped document."""
    routing = document.get("task_routing") if isinstance(document, dict) else None
    if not isinstance(routing, dict):
        return
    filters = routing.get("filters")
    targets_at: list[tuple[list[Any], Any]] = []
    if isinstance(filters, list):
        for index, flt in enumerate(filters):
            if not isinstance(flt, dict):
                continue
            base = ["task_routing", "filters", index]
            yield [*base, "expression"], flt.get("expression"), "filter"
            if isinstance(flt.get("targets"), list):
                targets_at += [([*base, "targets", i], t) for i, t in enumerate(flt["targets"])]
    if "default_filter" in routing:
        targets_at.append((["task_routing", "default_filter"], routing["default_filter"]))
    for base, target in targets_at:
        if isinstance(target, dict):
            yield [*base, "expression"], target.get("expression"), "target"
            yield [*base, "skip_if"], target.get("skip_if"), "skip_if"


def _target_values(document: Any, key: str) -> Iterable[tuple[list[Any], Any]]:
    """(path, value) of `key` in every target and in default_filter, skipping malformed parts."""
    routing = document.get("task_routing") if isinstance(document, dict) else None
    if not isinstance(routing, dict):
        return
    if isinstance(routing.get("filters"), list):
        for index, flt in enumerate(routing["filters"]):
            if isinstance(flt, dict) and isinstance(flt.get("targets"), list):
                for t_index, target in enumerate(flt["targets"]):
                    if isinstance(target, dict) and key in target:
                        yield ["task_routing", "filters", index, "targets", t_index, key], target[key]
    default = routing.get("default_filter")
    if isinstance(default, dict) and key in default:
        yield ["task_routing", "default_filter", key], default[key]


def _semantic_problems(document: Any, queue_sids: Mapping[str, str] | None) -> list[Problem]:
    problems: list[Problem] = []
    routing = document.get("task_routing") if isinstance(document, dict) else None
    filters = routing.get("filters") if isinstance(routing, dict) else None
    if isinstance(filters, list):
        first_use: dict[str, int] = {}
        for index, flt in enumerate(filters):
            name = flt.get("filter_friendly_name") if isinstance(flt, dict) else None
            if not isinstance(name, str):
                continue
            if name in first_use:
                problems.append(
                    Problem(
                        json_path(["task_routing", "filters", index, "filter_friendly_name"]),
                        f"duplicate filter name {name!r} (also filters[{first_use[name]}])",
                        "give every filter a distinct filter_friendly_name",
                    )
                )
            else:
                first_use[name] = index
    for path, text, context in _expressions(document):
        if not isinstance(text, str) or not text.strip():
            continue  # the schema already reports missing or empty expressions
        try:
            parse(text, context)
        except ExpressionError as error:
            column = getattr(error, "column", None)
            reason = getattr(error, "message", str(error))
            at = f" at column {column}" if column else ""
            snippet = text if column is None else text[max(0, column - 1) :][:20]
            problems.append(
                Problem(
                    json_path(path),
                    f"{context} expression does not parse{at}: {reason}",
                    f"fix the expression near {snippet!r}",
                )
            )
    for path, value in _target_values(document, "priority"):
        if isinstance(value, str) and value.isdigit() and len(value) <= 10 and int(value) > MAX_PRIORITY:
            problems.append(
                Problem(
                    json_path(path),
                    f"priority {value} is over {MAX_PRIORITY}",
                    f"use a priority between 0 and {MAX_PRIORITY}",
                )
            )
    if queue_sids is not None:
        known = {sid: name for name, sid in queue_sids.items()}
        for path, sid in _target_values(document, "queue"):
            if isinstance(sid, str) and QUEUE_SID_PATTERN.match(sid) and sid not in known:
                problems.append(
                    Problem(
                        json_path(path),
                        f"queue {sid} is not in the queue SID map",
                        "use the SID of an existing TaskQueue, or add it to the map",
                    )
                )
    return problems


def validate_configuration(
    document: dict | str, queue_sids: Mapping[str, str] | None = None
) -> list[Problem]:
    """Every problem with the configuration; empty list = valid. A str is parsed as JSON first and its
    own bytes are measured; a dict is measured as `to_json` would send it."""
    if isinstance(document, str):
        size = len(document.encode("utf-8"))
        try:
            document = json.loads(document)
        except json.JSONDecodeError as error:
            return [
                Problem(
                    "$",
                    f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}",
                    "fix the JSON syntax",
                )
            ]
    else:
        try:
            size = len(to_json(document).encode("utf-8"))
        except (TypeError, ValueError) as error:
            return [Problem("$", f"cannot be written as JSON: {error}", "use only JSON types")]
    problems: list[Problem] = []
    if size > MAX_CONFIGURATION_BYTES:
        problems.append(
            Problem(
                "$",
                f"configuration is {size} bytes, over TaskRouter's limit of {MAX_CONFIGURATION_BYTES}",
                "split the routing across fewer or smaller filters",
            )
        )
    for error in sorted(_validator().iter_errors(document), key=_sort_key):
        problems.extend(_schema_problems(error))
    problems.extend(_semantic_problems(document, queue_sids))
    return problems
