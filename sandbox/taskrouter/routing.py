"""Assignment: a task runs through its workflow (the sandbox's own reading of Twilio's documentation:
configuration.py and expressions.py, never the project's `workflow` package), enters the matched queue and is
offered, as a pending Reservation, to the first eligible available worker who has not refused it and holds no
other pending offer. Rejecting (or timing out) offers the next one; accepting assigns the task.

Routing, as Twilio documents it (research/platform-notes.md §5, twilio-api.md §2.2-2.3, §3):
- The first filter whose expression matches wins
  (https://www.twilio.com/docs/taskrouter/workflow-configuration).
- Its targets are walked in order; a target's timeout is measured against the task's age, so a step ends
  at the sum of the timeouts so far (https://www.twilio.com/docs/taskrouter/task-evaluation). After the
  last target's timeout the task is canceled (WorkflowTimeout; lifecycle-task-workflows-and-assignment). A
  target without timeout holds the task until its TTL.
- `skip_if` is evaluated only on entering a step and only when nobody can take the task there at once; a task
  that skips a filter's last target is treated as not matching that filter, so the next matching filter, or
  `default_filter`, gets it (https://www.twilio.com/docs/taskrouter/worker-presence).
- `default_filter` is used only when no filter matches (or every matching one was skipped).
- Eligible workers: members of the target's queue (its TargetWorkers), available, the target expression true,
  and for a known-worker target exactly the worker the task attribute names. Order: `order_by` clauses
  (integer worker attributes, ASC/DESC, later clauses break ties, workers lacking the attribute last;
  https://www.twilio.com/docs/taskrouter/order-workers), otherwise longest idle first (the sandbox reads
  idle time as the time since the worker's last activity change).
- A target's `priority` becomes the task's on entering it.
- `ReEvaluateTasks=true` on a Workflow update (`reevaluate`) routes every pending task of the workflow through
  the new configuration from the top (twilio-api.md §1 Workflow, §2.2 item 5); an offer that no longer stands
  is rescinded.

Time is applied lazily, on the next TaskRouter request for the workspace (TaskRouterBackend.apply_due_timers):
a target whose cumulative timeout has passed hands the task to the next target; after the last target's
timeout the task is canceled (Twilio's WorkflowTimeout); a reservation older than the workflow's
TaskReservationTimeout times out (its worker goes to the timeout activity; the next worker gets the offer); a
task older than its TTL is canceled.

State an earlier run left behind never breaks a request: a live task whose workflow is gone, or whose
workflow no longer fits the workspace, is canceled with a reason that says so.

A known-worker target whose worker is outside the target queue (40152) or the workspace (40155) raises
Twilio's debugger alert (TaskRouterBackend.alerts, `GET /_sandbox/alerts`) and the task waits in that step,
as on Twilio. Not simulated: several reservations at once (MaxReservedWorkers), worker channel capacity.

This module knows the backend only through the tables and clock it is given (no import of models.py).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from flex_chat_transfer.sandbox.core.errors import InvalidParameter
from flex_chat_transfer.sandbox.taskrouter.configuration import (
    Configuration,
    ConfigurationProblem,
    Target,
    configuration_for,
)
from flex_chat_transfer.sandbox.taskrouter.expressions import compiled, scope_for

RESERVATION_MOVES = {
    "pending": {"accepted", "rejected", "timeout", "canceled", "rescinded"},
    "accepted": {"wrapping", "completed"},
    "wrapping": {"completed"},
}
LIVE = ("pending", "reserved")
DEFAULT_AT = -1  # the filter index `_at` records for default_filter
# Task reasons the sandbox writes (Twilio's wording where it documents one: research/twilio-api.md §1).
WORKFLOW_TIMEOUT = "Workflow Timeout: the task's last target timed out without an accepted reservation"
TTL_EXCEEDED = "Task TTL Exceeded"
WORKFLOW_DELETED = "Workflow {sid} was deleted"


class Assigner:
    """Routing rules over a TaskRouterBackend's tables (`workflows`, `queues`, `workers`, `tasks`,
    `reservations`, `workspaces`, `activities`), its `clock`, `on_accept` listeners and `raise_alert`."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend

    def _configuration(self, task: dict[str, Any], fresh: bool) -> tuple[Configuration, str] | str:
        """The configuration the task is routed with, and its text: the one it was last evaluated against
        (a workflow update without ReEvaluateTasks leaves waiting tasks where they are), or the workflow's
        current one for a new task and for `fresh`. A string says why there is none (the task is canceled)."""
        b, ws = self.backend, task["workspace_sid"]
        workflow = b.workflows.get(task["workflow_sid"], ws)
        if workflow is None:
            return f"Workflow {task['workflow_sid']} was deleted while the task was waiting"
        text = workflow["configuration"] if fresh else task.get("_routed_with") or workflow["configuration"]
        try:
            return configuration_for(text, {q["sid"] for q in b.queues.list(parent=ws)}), text
        except ConfigurationProblem as problem:
            return f"Workflow {workflow['sid']} no longer fits the workspace ({problem})"

    def _moment(self) -> datetime:
        return datetime.fromtimestamp(self.backend.clock(), UTC)

    def _members(self, ws: str, queue_sid: str) -> list[dict[str, Any]]:
        queue = self.backend.queues.get(queue_sid, ws)
        if queue is None:
            return []
        belongs = compiled(queue["target_workers"] or "1==1", "queue")
        return [w for w in self.backend.workers.list(parent=ws) if belongs(_attributes(w))]

    def eligible(self, task: dict[str, Any], target: Target, attributes: dict[str, Any]) -> list[str]:
        """Worker SIDs who may get an offer in `target`, in TaskRouter's order."""
        moment = self._moment()
        found = []
        wanted = target.known_worker.wanted(attributes) if target.known_worker else None
        for worker in self._members(task["workspace_sid"], target.queue_sid):
            if not worker["available"]:
                continue
            if target.known_worker is not None and (
                wanted is None or worker[target.known_worker.field] != wanted
            ):
                continue
            if target.matches is not None:
                seen_as = {
                    **_attributes(worker),
                    "sid": worker["sid"],
                    "friendly_name": worker["friendly_name"],
                    "activity_sid": worker["activity_sid"],
                    "activity_name": worker["activity_name"],
                }
                if not target.matches(scope_for("target", attributes, seen_as, moment)):
                    continue
            found.append(worker)
        # Longest idle first (the stable sort keeps creation order on equal times), then order_by on top.
        found.sort(key=lambda w: w.get("date_status_changed") or "")
        for path, descending in reversed(target.order_by):
            having = [w for w in found if _number(_attributes(w), path) is not None]
            lacking = [w for w in found if _number(_attributes(w), path) is None]
            having.sort(key=lambda w: _number(_attributes(w), path), reverse=descending)  # type: ignore[arg-type,return-value]
            found = having + lacking
        return [w["sid"] for w in found]

    def _skips(self, task: dict[str, Any], target: Target) -> bool:
        """The target's skip_if over the counts of its queue's workers (worker-presence page)."""
        if target.skip_if is None:
            return False
        members = self._members(task["workspace_sid"], target.queue_sid)
        counts: dict[str, Any] = {
            "available": sum(1 for w in members if w["available"]),
            "unavailable": sum(1 for w in members if not w["available"]),
        }
        for worker in members:
            counts[worker["activity_sid"]] = counts.get(worker["activity_sid"], 0) + 1
        return target.skip_if(scope_for("skip_if", workers=counts))

    def _place(
        self, task: dict[str, Any], configuration: Configuration, attributes: dict[str, Any], fresh: bool
    ) -> tuple[tuple[int, int], Target, list[str]] | str | None:
        """Where the task belongs now: ((filter index, target index), target, eligible workers), the string
        "timeout" when it timed out of its filter's last target, or None when nothing takes it. A task
        already placed keeps the steps it passed (skip_if is judged only on entering a step)."""
        age = self.backend.clock.seconds_since(task["date_created"])
        previous = None if fresh else task.get("_at")
        scope = scope_for("filter", attributes, moment=self._moment())
        matching = [i for i, f in enumerate(configuration.filters) if f.matches(scope)]
        if previous is not None and previous[0] == DEFAULT_AT and configuration.default is not None:
            matching = []  # it reached default_filter: it stays there until its TTL
        elif previous is not None and previous[0] in matching:
            matching = [i for i in matching if i >= previous[0]]
        else:
            previous = None
        for index in matching:
            targets = configuration.filters[index].targets
            first = previous[1] if previous is not None and previous[0] == index else 0
            left_by = None
            for step in range(first, len(targets)):
                target = targets[step]
                if target.leaves_at is not None and age >= target.leaves_at:
                    left_by = "timeout"
                    continue
                eligible = self.eligible(task, target, attributes)
                entering = previous is None or [index, step] != list(previous)
                if entering and not self._takers(task, eligible) and self._skips(task, target):
                    left_by = "skip"
                    continue
                return (index, step), target, eligible
            if left_by == "timeout":
                return "timeout"
            # it skipped the filter's last target: as if the filter had not matched
        if configuration.default is not None:
            return (
                (DEFAULT_AT, 0),
                configuration.default,
                self.eligible(task, configuration.default, attributes),
            )
        return None

    def route(self, task: dict[str, Any], fresh: bool = False) -> dict[str, Any]:
        """(Re)evaluate the task's workflow; returns the updated task. `fresh`: from the top, as a workflow
        update with ReEvaluateTasks does."""
        found = self._configuration(task, fresh)
        if isinstance(found, str):
            return self.cancel(task, found)
        configuration, text = found
        if text != task.get("_routed_with"):
            task = self.backend.tasks.update(task["sid"], {"_routed_with": text})
        attributes = _json_object(task["attributes"])
        placed = self._place(task, configuration, attributes, fresh)
        if placed == "timeout":
            return self.cancel(task, WORKFLOW_TIMEOUT)
        if placed is None or isinstance(placed, str):
            # No filter matched and there is no default_filter: the docs are silent; the task waits, unqueued.
            if task.get("_at") is not None:
                self._rescind(task)
                task = self.backend.tasks.update(
                    task["sid"],
                    {
                        "_at": None,
                        "_leaves_at": None,
                        "task_queue_sid": None,
                        "task_queue_friendly_name": None,
                    },
                )
            return task
        at, target, eligible = placed
        changes: dict[str, Any] = {}
        if list(at) != task.get("_at") or target.queue_sid != task["task_queue_sid"]:
            if task.get("_at") is not None:
                self._rescind(task)  # an offer made in the previous step no longer stands
            queue = self.backend.queues.get(target.queue_sid, task["workspace_sid"])
            changes.update(
                task_queue_sid=target.queue_sid,
                task_queue_friendly_name=queue["friendly_name"] if queue else None,
                task_queue_entered_date=self.backend.clock.iso(),
                _at=list(at),
            )
            if target.priority is not None:
                changes["priority"] = target.priority
        # The next moment time alone moves this task on: the next target, or out of the workflow.
        if target.leaves_at != task.get("_leaves_at"):
            changes["_leaves_at"] = target.leaves_at
        if changes:
            task = self.backend.tasks.update(task["sid"], changes)
        if not eligible:
            self._check_known_worker(task, target, list(at), attributes)
        return self.offer(task, eligible)

    def reevaluate(self, ws: str, workflow_sid: str) -> None:
        """ReEvaluateTasks: every pending task of the workflow goes through its (new) configuration again."""
        for task in self.backend.tasks.list(parent=ws, workflow_sid=workflow_sid):
            if task["assignment_status"] == "pending":
                self.route(task, fresh=True)

    def _check_known_worker(
        self, task: dict[str, Any], target: Target, at: list[int], attributes: dict[str, Any]
    ) -> None:
        """Twilio's debugger errors for a known worker nobody can reach; raised once per task and step."""
        known = target.known_worker
        wanted = known.wanted(attributes) if known else None
        if known is None or wanted is None or task.get("_alerted_at") == at:
            return
        b, ws = self.backend, task["workspace_sid"]
        worker = next((w for w in b.workers.list(parent=ws) if w[known.field] == wanted), None)
        queue = b.queues.get(target.queue_sid, ws)
        if worker is None:
            b.raise_alert(
                40155, task, f"Known worker {wanted} ({known.reference}) is not a worker of workspace {ws}"
            )
        elif queue is not None and worker["sid"] not in {m["sid"] for m in self._members(ws, queue["sid"])}:
            b.raise_alert(
                40152,
                task,
                f"Known worker {worker['sid']} ({known.reference}) is "
                f"not in the target queue {queue['friendly_name']} ({queue['sid']})",
            )
        else:
            return
        b.tasks.update(task["sid"], {"_alerted_at": at})

    def cancel(self, task: dict[str, Any], reason: str) -> dict[str, Any]:
        """Cancel a task: its pending offers are canceled with it."""
        for reservation in self.backend.reservations.list(parent=task["sid"], reservation_status="pending"):
            self.backend.reservations.update(reservation["sid"], {"reservation_status": "canceled"})
        return self.backend.tasks.update(
            task["sid"], {"assignment_status": "canceled", "reason": reason, "_leaves_at": None}
        )

    def _rescind(self, task: dict[str, Any]) -> None:
        for reservation in self.backend.reservations.list(parent=task["sid"], reservation_status="pending"):
            self.backend.reservations.update(reservation["sid"], {"reservation_status": "rescinded"})
        self.backend.tasks.update(task["sid"], {"assignment_status": "pending"})

    def _takers(self, task: dict[str, Any], eligible: list[str]) -> list[str]:
        """The eligible workers who could get an offer now: available, not refused, no pending offer."""
        b, ws = self.backend, task["workspace_sid"]
        busy = {r["worker_sid"] for r in b.reservations.list(reservation_status="pending")}
        refused = set(task.get("_rejected_by") or [])
        takers = []
        for worker_sid in eligible:
            worker = b.workers.get(worker_sid, ws)
            if worker and worker["available"] and worker_sid not in busy and worker_sid not in refused:
                takers.append(worker_sid)
        return takers

    def offer(self, task: dict[str, Any], eligible: list[str]) -> dict[str, Any]:
        b = self.backend
        if b.reservations.list(parent=task["sid"], reservation_status="pending"):
            return task
        takers = self._takers(task, eligible)
        if not takers:
            return task
        worker = b.workers.get(takers[0])
        b.reservations.create(
            {
                "account_sid": task["account_sid"],
                "workspace_sid": task["workspace_sid"],
                "task_sid": task["sid"],
                "worker_sid": worker["sid"],
                "worker_name": worker["friendly_name"],
                "reservation_status": "pending",
            },
            parent=task["sid"],
        )
        return b.tasks.update(task["sid"], {"assignment_status": "reserved"})

    def transition(self, reservation: dict[str, Any], status: str) -> dict[str, Any]:
        b = self.backend
        current = reservation["reservation_status"]
        allowed = RESERVATION_MOVES.get(current, set())
        if status not in allowed:
            raise InvalidParameter(
                f"ReservationStatus cannot change from {current} to {status}; a {current} reservation allows "
                f"{', '.join(sorted(allowed)) or 'no change'}"
            )
        reservation = b.reservations.update(reservation["sid"], {"reservation_status": status})
        task = b.tasks.get(reservation["task_sid"])
        if status == "accepted":
            task = b.tasks.update(task["sid"], {"assignment_status": "assigned", "_leaves_at": None})
            worker = b.workers.get(reservation["worker_sid"])
            for listener in b.on_accept:
                listener(task, reservation, worker)
        elif status in ("rejected", "rescinded"):
            refused = [*(task.get("_rejected_by") or []), reservation["worker_sid"]]
            task = b.tasks.update(task["sid"], {"assignment_status": "pending", "_rejected_by": refused})
            self.route(task)
        elif status == "timeout":
            # TaskRouter moves a worker who lets an offer time out to the workspace's timeout activity.
            workspace = b.workspaces.get(task["workspace_sid"])
            activity = b.activities.get(workspace["timeout_activity_sid"]) if workspace else None
            if activity is not None and b.workers.get(reservation["worker_sid"]) is not None:
                b.workers.update(
                    reservation["worker_sid"],
                    {
                        "activity_sid": activity["sid"],
                        "activity_name": activity["friendly_name"],
                        "available": activity["available"],
                        "date_status_changed": b.clock.iso(),
                    },
                )
            task = b.tasks.update(task["sid"], {"assignment_status": "pending"})
            self.route(task)
        elif status in ("wrapping", "completed"):
            b.tasks.update(task["sid"], {"assignment_status": status})
        return reservation

    def apply_due_timers(self, ws: str) -> None:
        """Apply what time did in the workspace since the last request: a pending reservation older than the
        workflow's TaskReservationTimeout times out (its worker goes to the workspace's timeout activity, the
        task is offered again); a task whose target timeout passed moves down the cascade or, after the last
        target, is canceled (WorkflowTimeout); a task older than its TTL is canceled; a live task whose
        workflow is gone (state from an earlier run) is canceled with that reason."""
        b = self.backend
        workflows = {w["sid"]: w for w in b.workflows.list(parent=ws)}
        due_tasks, expired, orphaned = [], [], []
        for task in b.tasks.list(parent=ws):
            if task["assignment_status"] not in LIVE:
                continue
            age = b.clock.seconds_since(task["date_created"])
            if age >= task["timeout"]:
                expired.append(task)
            elif task["workflow_sid"] not in workflows:
                orphaned.append(task)
            elif task.get("_leaves_at") is not None and age >= task["_leaves_at"]:
                due_tasks.append(task)
        due_reservations = []
        for reservation in b.reservations.list(workspace_sid=ws, reservation_status="pending"):
            task = b.tasks.get(reservation["task_sid"])
            workflow = workflows.get(task["workflow_sid"]) if task else None
            if workflow is None:
                continue  # its task is canceled above, and the offer with it
            if b.clock.seconds_since(reservation["date_created"]) >= workflow["task_reservation_timeout"]:
                due_reservations.append(reservation)
        if not (due_reservations or due_tasks or expired or orphaned):
            return
        with b.store.transaction():
            for task in expired:
                self.cancel(task, TTL_EXCEEDED)
            for task in orphaned:
                self.cancel(task, WORKFLOW_DELETED.format(sid=task["workflow_sid"]))
            for reservation in due_reservations:
                current = b.reservations.get(reservation["sid"])
                if current and current["reservation_status"] == "pending":
                    self.transition(current, "timeout")
            for task in due_tasks:
                current = b.tasks.get(task["sid"])
                if current and current["assignment_status"] in LIVE:
                    self.route(current)

    def assign_pending(self, ws: str) -> None:
        for task in self.backend.tasks.list(parent=ws, assignment_status="pending"):
            self.route(task)


def _json_object(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _attributes(worker: dict[str, Any]) -> dict[str, Any]:
    return _json_object(worker.get("attributes"))


def _number(attributes: dict[str, Any], path: tuple[str, ...]) -> float | None:
    value: Any = attributes
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
