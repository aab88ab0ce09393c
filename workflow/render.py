"""ChatTransferSpec + queue name->SID map -> the TaskRouter workflow configuration, byte-for-byte
deterministic. The shape is the seed's Chat Transfer workflow (DESIGN.md "The workflow we generate")."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from flex_chat_transfer.workflow.problems import Problem, ProblemsError
from flex_chat_transfer.workflow.spec import (
    ChatTransferSpec,
    TransferQueue,
    queue_name_problem,
    quote_literal,
)
from flex_chat_transfer.workflow.twilio_limits import QUEUE_SID

# `<` is not hex, so a placeholder can never pass the WQ SID pattern and be deployed by mistake.
PLACEHOLDER_PREFIX = "WQ<placeholder:"
QUEUE_SID_PATTERN = QUEUE_SID  # the name callers know; the pattern lives in twilio_limits
WORKER_FILTER_NAME = "Assign to Worker"
QUEUE_FILTER_PREFIX = "Assign To Queue - "

# Canonical key order; keys we do not know keep their order after these. Filters and targets share
# "expression": filters have no queue and targets no name, so one order serves both.
_KEY_ORDER = {
    key: index
    for index, key in enumerate(
        (
            "task_routing",
            "filters",
            "default_filter",
            "filter_friendly_name",
            "queue",
            "expression",
            "targets",
            "known_worker_sid",
            "known_worker_friendly_name",
            "priority",
            "timeout",
            "order_by",
            "skip_if",
        )
    )
}


def placeholder_sid(queue_name: str) -> str:
    return f"{PLACEHOLDER_PREFIX}{queue_name}>"


def _resolve(
    spec: ChatTransferSpec, queue_sids: Mapping[str, str] | None, pending: Iterable[str] = ()
) -> dict[str, str]:
    problems = []
    pending = set(pending)
    for path, name in _queue_refs(spec):
        problem = queue_name_problem(name)
        if problem is not None:
            problems.append(Problem(path, *problem))
    if queue_sids is None:
        if problems:
            raise ProblemsError(problems)
        return {name: placeholder_sid(name) for name in spec.queue_names()}
    for name in spec.queue_names():
        if name in pending:
            continue
        sid = queue_sids.get(name)
        if sid is None:
            problems.append(
                Problem(
                    f"queue_sids[{json.dumps(name)}]",
                    f"no SID for queue {name!r}",
                    f'add "{name}": "WQ…" to the queue SID map',
                )
            )
        elif not isinstance(sid, str) or not QUEUE_SID_PATTERN.match(sid):
            problems.append(
                Problem(
                    f"queue_sids[{json.dumps(name)}]",
                    f"{sid!r} is not a TaskQueue SID",
                    "use WQ followed by 32 hex digits",
                )
            )
    if problems:
        raise ProblemsError(problems)
    return {
        name: placeholder_sid(name) if name in pending else queue_sids[name] for name in spec.queue_names()
    }


def _queue_refs(spec: ChatTransferSpec) -> list[tuple[str, str]]:
    refs = [("spec.worker_transfer_queue", spec.worker_transfer_queue)]
    for index, queue in enumerate(spec.transfer_queues):
        refs.append((f"spec.transfer_queues[{index}].name", queue.name))
        if queue.fallback_queue is not None:
            refs.append((f"spec.transfer_queues[{index}].fallback_queue", queue.fallback_queue))
    if spec.default_queue is not None:
        refs.append(("spec.default_queue", spec.default_queue))
    return refs


def _queue_filter(spec: ChatTransferSpec, queue: TransferQueue, sids: Mapping[str, str]) -> dict[str, Any]:
    attrs = spec.attributes
    not_in_conversation = f"worker.sid NOT IN task.{attrs.workers_in_conversation}"
    target: dict[str, Any] = {"queue": sids[queue.name], "expression": not_in_conversation}
    for key in ("priority", "timeout", "order_by", "skip_if"):
        if getattr(queue, key) is not None:
            target[key] = getattr(queue, key)
    targets = [target]
    if queue.fallback_queue is not None:
        targets.append({"queue": sids[queue.fallback_queue], "expression": not_in_conversation})
    return {
        "filter_friendly_name": f"{QUEUE_FILTER_PREFIX}{queue.name}",
        "expression": f"{attrs.queue_name} == {quote_literal(queue.name)}",
        "targets": targets,
    }


def render(
    spec: ChatTransferSpec, queue_sids: Mapping[str, str] | None, pending: Iterable[str] = ()
) -> dict[str, Any]:
    """The configuration document. `queue_sids=None` renders placeholders (see PLACEHOLDER_PREFIX), and so
    do the queues named in `pending` (SIDs not known yet: queues the stack is to create;
    `fill_placeholders` puts them in). Raises ProblemsError for a queue name that cannot be quoted or a SID
    missing from the map."""
    sids = _resolve(spec, queue_sids, pending)
    attrs = spec.attributes
    worker_filter = {
        "filter_friendly_name": WORKER_FILTER_NAME,
        "expression": f"{attrs.target_type} == 'worker'",
        "targets": [
            {"queue": sids[spec.worker_transfer_queue], "known_worker_sid": f"task.{attrs.target_sid}"}
        ],
    }
    routing: dict[str, Any] = {
        "filters": [worker_filter, *(_queue_filter(spec, queue, sids) for queue in spec.transfer_queues)]
    }
    if spec.default_queue is not None:
        routing["default_filter"] = {
            "queue": sids[spec.default_queue],
            "expression": f"worker.sid NOT IN task.{attrs.workers_in_conversation}",
        }
    return {"task_routing": routing}


def fill_placeholders(document: Any, values: Mapping[str, Any]) -> Any:
    """`document` with each queue placeholder of a name in `values` replaced by its value (any object: the
    Pulumi program puts a queue resource's SID output there)."""
    if isinstance(document, Mapping):
        return {key: fill_placeholders(item, values) for key, item in document.items()}
    if isinstance(document, list | tuple):
        return [fill_placeholders(item, values) for item in document]
    if isinstance(document, str) and document.startswith(PLACEHOLDER_PREFIX) and document.endswith(">"):
        name = document[len(PLACEHOLDER_PREFIX) : -1]
        return values.get(name, document)
    return document


def _canonical(value: Any) -> Any:
    if isinstance(value, Mapping):
        keys = sorted(value, key=lambda k: (_KEY_ORDER.get(k, len(_KEY_ORDER)),))
        return {key: _canonical(value[key]) for key in keys}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    return value


def to_json(document: dict[str, Any]) -> str:
    """Canonical text: declared list order, fixed key order, 2-space indent, trailing newline."""
    return json.dumps(_canonical(document), indent=2, ensure_ascii=False) + "\n"


def render_json(spec: ChatTransferSpec, queue_sids: Mapping[str, str] | None) -> str:
    return to_json(render(spec, queue_sids))
