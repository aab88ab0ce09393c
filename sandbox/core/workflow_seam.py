"""The sandbox's one seam to the project's workflow library (`workflow/`): TaskRouter's expression language,
its configuration checks and its router. The sandbox behaves like Twilio by running the same code the tools
use to predict Twilio; nothing else in sandbox/ imports `workflow`, and nothing in sandbox/ imports `infra`
(tests/sandbox/test_layering.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from sandbox.core.errors import InvalidParameter
from workflow.expressions import ExpressionError, evaluate, parse, parse_task_reference
from workflow.simulate import ConfigurationError, Queue, Router, Step, Worker, Workspace
from workflow.validate import validate_configuration

__all__ = [
    "ConfigurationError",
    "Router",
    "Step",
    "check_configuration",
    "check_expression",
    "in_queue",
    "known_worker_reference",
    "matches_task",
    "router",
]


def check_expression(text: str, context: str, name: str) -> None:
    """400/20001 naming the parameter when `text` does not parse in `context` (queue/filter/target)."""
    try:
        parse(text, context)  # type: ignore[arg-type]
    except ExpressionError as exc:
        raise InvalidParameter(f"{name} is not a valid expression: {exc}") from None


def check_configuration(configuration: str, queue_sids: Mapping[str, str]) -> None:
    """400/20001 with the first problem's line when a workflow configuration is invalid."""
    problems = validate_configuration(configuration, queue_sids)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InvalidParameter(f"Invalid Configuration: {problems[0]}{more}")


def in_queue(target_workers: str, worker_attributes: str) -> bool:
    """Whether a worker (its attributes JSON) belongs to a queue (its TargetWorkers)."""
    return bool(evaluate(target_workers, "queue", worker=json.loads(worker_attributes)))


def matches_task(expression: str, task_attributes: str) -> bool:
    """A filter-context expression over a task's attributes JSON (EvaluateTaskAttributes)."""
    return bool(evaluate(expression, "filter", task=json.loads(task_attributes)))


def known_worker_reference(step: Step, task_attributes: Mapping[str, Any]) -> Any:
    """The value a known-worker target names (`task.transferTargetSid` -> that attribute), or None."""
    if step.known_worker is None:
        return None
    return parse_task_reference(step.known_worker.reference)(task_attributes)


def router(
    configuration: str,
    queues: list[dict[str, Any]],
    workers: list[dict[str, Any]],
    clock: Callable[[], float],
) -> Router:
    """A Router over stored TaskRouter documents; raises ConfigurationError when the configuration no
    longer fits the workspace."""
    workspace = Workspace(
        queues=[Queue(q["sid"], q["friendly_name"], q["target_workers"]) for q in queues],
        workers=[
            Worker(
                w["sid"], w["friendly_name"], json.loads(w["attributes"]), w["available"], w["activity_name"]
            )
            for w in workers
        ],
    )
    return Router(json.loads(configuration), workspace, clock=lambda: datetime.fromtimestamp(clock(), UTC))
