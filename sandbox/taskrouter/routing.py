"""Assignment: a task runs through its workflow (the workflow library's Router, via core/workflow_seam.py),
enters the matched queue and is offered, as a pending Reservation, to the first eligible available worker who
has not refused it and holds no other pending offer. Rejecting (or timing out) offers the next one; accepting
assigns the task.

Time is applied lazily, on the next TaskRouter request for the workspace (TaskRouterBackend.apply_due_timers):
a target whose cumulative timeout has passed hands the task to the next target; after the last target's
timeout the task is canceled (Twilio's WorkflowTimeout); a reservation older than the workflow's
TaskReservationTimeout times out (its worker goes to the timeout activity; the next worker gets the offer); a
task older than its TTL is canceled. A step nobody can take now is skipped when its skip_if holds.

State an earlier run left behind never breaks a request: a live task whose workflow is gone, or whose
workflow no longer fits the workspace, is canceled with a reason that says so.

A known-worker target whose worker is outside the target queue (40152) or the workspace (40155) raises
Twilio's debugger alert (TaskRouterBackend.alerts, `GET /_sandbox/alerts`) and the task waits in that step,
as on Twilio. Not simulated: falling out of the last target into the next matching filter, and worker
channel capacity.

This module knows the backend only through the tables and clock it is given (no import of models.py).
"""

from __future__ import annotations

import json
from typing import Any

from sandbox.core.errors import InvalidParameter
from sandbox.core.workflow_seam import (
    ConfigurationError,
    Router,
    Step,
    in_queue,
    known_worker_reference,
    router,
)

RESERVATION_MOVES = {
    "pending": {"accepted", "rejected", "timeout", "canceled", "rescinded"},
    "accepted": {"wrapping", "completed"},
    "wrapping": {"completed"},
}
LIVE = ("pending", "reserved")
# Task reasons the sandbox writes (Twilio's wording where it documents one: research/twilio-api.md §1).
WORKFLOW_TIMEOUT = "Workflow Timeout: the task's last target timed out without an accepted reservation"
TTL_EXCEEDED = "Task TTL Exceeded"
WORKFLOW_DELETED = "Workflow {sid} was deleted"


class Assigner:
    """Routing rules over a TaskRouterBackend's tables (`workflows`, `queues`, `workers`, `tasks`,
    `reservations`, `workspaces`, `activities`), its `clock`, `on_accept` listeners and `raise_alert`."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend

    def _router(self, task: dict[str, Any]) -> Router | str:
        """The task's router, or why there is none (the reason the task is canceled)."""
        b, ws = self.backend, task["workspace_sid"]
        workflow = b.workflows.get(task["workflow_sid"], ws)
        if workflow is None:
            return f"Workflow {task['workflow_sid']} was deleted while the task was waiting"
        try:
            return router(
                workflow["configuration"], b.queues.list(parent=ws), b.workers.list(parent=ws), b.clock
            )
        except ConfigurationError as error:
            return f"Workflow {workflow['sid']} no longer fits the workspace ({error})"

    def route(self, task: dict[str, Any]) -> dict[str, Any]:
        """(Re)evaluate the task's workflow; returns the updated task."""
        found = self._router(task)
        if isinstance(found, str):
            return self.cancel(task, found)
        attributes = json.loads(task["attributes"])
        try:
            routing = found.route(attributes)
        except ConfigurationError as error:
            return self.cancel(task, f"Workflow {task['workflow_sid']} cannot route it ({error})")
        age = self.backend.clock.seconds_since(task["date_created"])
        # Walk the target cascade past steps whose timeout has passed or whose skip_if holds.
        step_index, eligible = 0, routing.eligible_workers
        while step_index + 1 < len(routing.steps):
            leaves_at = routing.steps[step_index].cumulative_timeout
            timed_out = leaves_at is not None and age >= leaves_at
            if not timed_out and (self._takers(task, eligible) or not found.skips(step_index, attributes)):
                break
            step_index += 1
            eligible = found.eligible(step_index, attributes)
        step = routing.steps[step_index] if routing.steps else None
        if step is not None and step.cumulative_timeout is not None and age >= step.cumulative_timeout:
            return self.cancel(task, WORKFLOW_TIMEOUT)
        changes: dict[str, Any] = {}
        if step and (step_index != task.get("_step") or step.queue_sid != task["task_queue_sid"]):
            if task.get("_step") is not None:
                self._rescind(task)  # an offer made in the previous step no longer stands
            changes.update(
                task_queue_sid=step.queue_sid,
                task_queue_friendly_name=step.queue_name,
                task_queue_entered_date=self.backend.clock.iso(),
                _step=step_index,
            )
            if step.priority is not None:
                changes["priority"] = int(step.priority)
        if step is not None:
            # The next moment time alone moves this task on: the next target, or out of the workflow.
            changes["_leaves_at"] = step.cumulative_timeout
        if changes:
            task = self.backend.tasks.update(task["sid"], changes)
        if step is None:
            return task
        if not eligible:
            self._check_known_worker(task, step, step_index, attributes)
        return self.offer(task, eligible)

    def _check_known_worker(
        self, task: dict[str, Any], step: Step, step_index: int, attributes: dict[str, Any]
    ) -> None:
        """Twilio's debugger errors for a known worker nobody can reach; raised once per task and step."""
        wanted = known_worker_reference(step, attributes)
        if step.known_worker is None or wanted is None or task.get("_alerted_step") == step_index:
            return
        b, ws = self.backend, task["workspace_sid"]
        field = "sid" if step.known_worker.by == "sid" else "friendly_name"
        worker = next((w for w in b.workers.list(parent=ws) if w[field] == wanted), None)
        queue = b.queues.get(step.queue_sid, ws) if step.queue_sid else None
        if worker is None:
            b.raise_alert(
                40155,
                task,
                f"Known worker {wanted} ({step.known_worker.reference}) is not a worker of workspace {ws}",
            )
        elif queue is not None and not in_queue(queue["target_workers"], worker["attributes"]):
            b.raise_alert(
                40152,
                task,
                f"Known worker {worker['sid']} ({step.known_worker.reference}) is "
                f"not in the target queue {queue['friendly_name']} ({queue['sid']})",
            )
        else:
            return
        b.tasks.update(task["sid"], {"_alerted_step": step_index})

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
