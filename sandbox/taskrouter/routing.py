"""Assignment: a task runs through its workflow (workflow.simulate.Router), enters the matched queue and is
offered, as a pending Reservation, to the first eligible available worker who has not refused it and holds no
other pending offer. Rejecting (or timing out) offers the next one; accepting assigns the task.

Time is applied lazily, on the next TaskRouter request for the workspace (TaskRouterBackend.tick): a target
whose cumulative timeout has passed hands the task to the next target, and a reservation older than the
workflow's TaskReservationTimeout times out (its worker goes to the timeout activity; the next worker gets the
offer). A step nobody can take now is skipped when its skip_if holds. Not simulated: task TTL, falling out of
the last target to the next matching filter, and worker channel capacity.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sandbox.core.errors import InvalidParameter
from sandbox.core.store import now_iso
from sandbox.taskrouter.models import seconds_since

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
        age = seconds_since(task["date_created"])
        # Walk the target cascade past steps whose timeout has passed or whose skip_if holds.
        step_index, eligible = 0, routing.eligible_workers
        while step_index + 1 < len(routing.steps):
            leaves_at = routing.steps[step_index].cumulative_timeout
            timed_out = leaves_at is not None and age >= leaves_at
            if not timed_out and (self._takers(task, eligible) or not router.skips(step_index, attributes)):
                break
            step_index += 1
            eligible = router.eligible(step_index, attributes)
        step = routing.steps[step_index] if routing.steps else None
        changes: dict[str, Any] = {}
        if step and (step_index != task.get("_step") or step.queue_sid != task["task_queue_sid"]):
            if task.get("_step") is not None:
                self._rescind(task)  # an offer made in the previous step no longer stands
            changes.update(
                task_queue_sid=step.queue_sid,
                task_queue_friendly_name=step.queue_name,
                task_queue_entered_date=now_iso(),
                _step=step_index,
            )
            if step.priority is not None:
                changes["priority"] = int(step.priority)
        if step is not None:
            last = step_index + 1 >= len(routing.steps)
            # The next moment time alone would move this task on (TaskRouter: cumulative target timeouts).
            changes["_leaves_at"] = None if last else step.cumulative_timeout
        if changes:
            task = self.backend.tasks.update(task["sid"], changes)
        if step is None:
            return task
        return self.offer(task, eligible)

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
            task = b.tasks.update(task["sid"], {"assignment_status": "assigned"})
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
            if activity is not None:
                b.workers.update(
                    reservation["worker_sid"],
                    {
                        "activity_sid": activity["sid"],
                        "activity_name": activity["friendly_name"],
                        "available": activity["available"],
                        "date_status_changed": now_iso(),
                    },
                )
            task = b.tasks.update(task["sid"], {"assignment_status": "pending"})
            self.route(task)
        elif status in ("wrapping", "completed"):
            b.tasks.update(task["sid"], {"assignment_status": status})
        return reservation

    def assign_pending(self, ws: str) -> None:
        for task in self.backend.tasks.list(parent=ws, assignment_status="pending"):
            self.route(task)
