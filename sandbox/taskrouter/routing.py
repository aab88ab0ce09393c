"""Assignment: a task runs through its workflow (workflow.simulate.Router), enters the matched queue and is
offered, as a pending Reservation, to the first eligible available worker who has not refused it and holds no
other pending offer. Rejecting (or timing out) offers the next one; accepting assigns the task.

A step nobody can take now is skipped when its skip_if holds. Not simulated: the passage of time (target
timeouts, reservation timeouts, task TTL) and worker channel capacity.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sandbox.core.errors import InvalidParameter
from sandbox.core.store import now_iso

if TYPE_CHECKING:
    from sandbox.taskrouter.models import TaskRouterBackend

RESERVATION_MOVES = {
    "pending": {"accepted", "rejected", "timeout", "canceled", "rescinded"},
    "accepted": {"wrapping", "completed"},
    "wrapping": {"completed"},
}


class Assigner:
    def __init__(self, backend: TaskRouterBackend) -> None:
        self.backend = backend

    def _router(self, task: dict[str, Any]):
        from workflow.simulate import Queue, Router, Worker, Workspace

        b, ws = self.backend, task["workspace_sid"]
        workflow = b.workflows.get(task["workflow_sid"], ws)
        queues = [Queue(q["sid"], q["friendly_name"], q["target_workers"]) for q in b.queues.list(parent=ws)]
        workers = [
            Worker(
                w["sid"], w["friendly_name"], json.loads(w["attributes"]), w["available"], w["activity_name"]
            )
            for w in b.workers.list(parent=ws)
        ]
        return Router(json.loads(workflow["configuration"]), Workspace(queues=queues, workers=workers))

    def route(self, task: dict[str, Any]) -> dict[str, Any]:
        """(Re)evaluate the task's workflow; returns the updated task."""
        router = self._router(task)
        attributes = json.loads(task["attributes"])
        routing = router.route(attributes)
        # Walk the target cascade as far as skip_if allows without waiting.
        step_index, eligible = 0, routing.eligible_workers
        while step_index + 1 < len(routing.steps) and not self._takers(task, eligible):
            if not router.skips(step_index, attributes):
                break
            step_index += 1
            eligible = router.eligible(step_index, attributes)
        step = routing.steps[step_index] if routing.steps else None
        changes: dict[str, Any] = {}
        if step and step.queue_sid != task["task_queue_sid"]:
            changes.update(
                task_queue_sid=step.queue_sid,
                task_queue_friendly_name=step.queue_name,
                task_queue_entered_date=now_iso(),
            )
            if step.priority is not None:
                changes["priority"] = int(step.priority)
        if changes:
            task = self.backend.tasks.update(task["sid"], changes)
        if step is None:
            return task
        return self.offer(task, eligible)

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
            task = b.tasks.update(task["sid"], {"assignment_status": "assigned"})
            worker = b.workers.get(reservation["worker_sid"])
            for listener in b.on_accept:
                listener(task, reservation, worker)
        elif status in ("rejected", "timeout", "rescinded"):
            refused = [*(task.get("_rejected_by") or []), reservation["worker_sid"]]
            task = b.tasks.update(task["sid"], {"assignment_status": "pending", "_rejected_by": refused})
            self.route(task)
        elif status in ("wrapping", "completed"):
            b.tasks.update(task["sid"], {"assignment_status": status})
        return reservation

    def assign_pending(self, ws: str) -> None:
        for task in self.backend.tasks.list(parent=ws, assignment_status="pending"):
            self.route(task)
