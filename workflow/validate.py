"""Is this TaskRouter workflow configuration deployable? The rules of `flex_chat_transfer.workflow.rules`
decide, in one table: the JSON Schema (CT100) first, then what a schema cannot say (size, names, expressions,
numbers, queue SIDs). This module turns schema errors into one-line problems and runs the table."""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import replace
from functools import cache
from importlib import resources
from typing import Any, cast

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from flex_chat_transfer.workflow.inputs import check_value, load_json
from flex_chat_transfer.workflow.problems import Problem, ProblemsError, json_path, kind
from flex_chat_transfer.workflow.render import PLACEHOLDER_PREFIX, to_json
from flex_chat_transfer.workflow.rules import RULES, Facts
from flex_chat_transfer.workflow.twilio_limits import MAX_CONFIGURATION_BYTES

__all__ = ["MAX_CONFIGURATION_BYTES", "json_path", "load_schema", "schema_problems", "validate_configuration"]
_VALUE_VALIDATORS = {"type", "pattern", "minimum", "maximum", "minLength", "anyOf", "not"}


@cache
def load_schema() -> dict[str, Any]:
    package = resources.files("flex_chat_transfer.workflow")
    text = package.joinpath("schema/taskrouter-workflow.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(load_schema())


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _schema_problems(error: ValidationError) -> list[Problem]:
    """One schema error -> one line per thing the user must change."""
    path = list(error.absolute_path)
    where = json_path(path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    rule, fix = schema.get("x-rule"), schema.get("x-fix")
    instance: Any = error.instance
    if error.validator == "required":
        missing = [key for key in cast(list[str], error.validator_value) if key not in instance]
        if missing == ["queue"] and path and path[-1] == 0:
            hint = "give the first target a queue (WQ SID); later targets inherit it"
        else:
            hint = "add the key"
        return [Problem(json_path([*path, key]), f"required key {key!r} is missing", hint) for key in missing]
    if error.validator == "additionalProperties":
        allowed = list(schema.get("properties", {}))
        problems = []
        for key in instance:
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
                f"must be {_kind_name(error.validator_value)}, got {kind(error.instance)}",
                f"write {_kind_name(error.validator_value)}",
            )
        ]
    if error.validator == "minItems":
        return [Problem(where, "is empty", fix or "add at least one entry")]
    if error.validator == "minProperties":
        return [Problem(where, "is empty", fix or "add a key")]
    return [Problem(where, error.message, fix or "see the TaskRouter workflow documentation")]


def _kind_name(json_type: Any) -> str:
    return {"object": "an object", "array": "a list", "string": "a string"}.get(json_type, str(json_type))


def _sort_key(error: ValidationError) -> list[tuple[int, Any]]:
    return [(0, part) if isinstance(part, int) else (1, str(part)) for part in error.absolute_path]


def validate_configuration(
    document: dict[str, Any] | str, queue_sids: Mapping[str, str] | None = None
) -> list[Problem]:
    """Every problem with the configuration; empty list = valid. A str is parsed as JSON first (bounded,
    duplicate keys refused) and its own bytes are measured; a dict is measured as `to_json` would send it.
    Then every rule of `flex_chat_transfer.workflow.rules.RULES` runs, in table order."""
    if isinstance(document, str):
        size = len(document.encode("utf-8"))
        try:
            document = load_json(document, "$")
        except ProblemsError as error:
            return [replace(problem, path=problem.path.removeprefix("$: ")) for problem in error.problems]
    else:
        try:
            check_value(document, "")
        except ProblemsError as error:
            return error.problems
        try:
            size = len(to_json(document).encode("utf-8"))
        except (TypeError, ValueError) as error:
            return [Problem("$", f"cannot be written as JSON: {error}", "use only JSON types")]
    facts = Facts(document, size, queue_sids, schema_problems)
    return [problem for rule in RULES for problem in rule.run(facts)]


def schema_problems(document: Any) -> list[Problem]:
    """The JSON Schema's findings as one-line problems, in document order (rule CT100 runs this)."""
    problems: list[Problem] = []
    for error in sorted(_validator().iter_errors(document), key=_sort_key):
        problems.extend(_schema_problems(error))
    return problems
