"""TaskRouter state and rules. Documents are stored snake_case as Twilio returns them, minus `url`/`links`;
`attributes` and `configuration` are kept as the JSON strings Twilio returns.

Every entry point taking a workspace first applies what time did there since the last request
(`@catches_up`: reservation, target and workflow timeouts, task TTLs, tasks an earlier run left without a
workflow), so a read never hides a write and a handler never has to remember to tick.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from flex_chat_transfer.sandbox.core.errors import InvalidParameter, NotFound, PreconditionFailed
from flex_chat_transfer.sandbox.core.sids import is_sid
from flex_chat_transfer.sandbox.core.state import SandboxState
from flex_chat_transfer.sandbox.core.store import ResourceTable
from flex_chat_transfer.sandbox.taskrouter.configuration import check_configuration
from flex_chat_transfer.sandbox.taskrouter.expressions import check_expression, in_queue, matches_task
from flex_chat_transfer.sandbox.taskrouter.routing import LIVE, WORKFLOW_DELETED, Assigner

# Every new workspace has these, as on Twilio (Offline is the default and timeout activity).
DEFAULT_ACTIVITIES = (("Offline", False), ("Available", True), ("Unavailable", False))
DEFAULT_TASK_CHANNELS = (
    ("Default", "default"),
    ("Voice", "voice"),
    ("Chat", "chat"),
    ("SMS", "sms"),
    ("Video", "video"),
    ("Email", "email"),
)
ATTRIBUTES_MAX = 4096
TASK_TTL_DEFAULT, TASK_TTL_MAX = 86_400, 1_209_600
RESERVATION_TIMEOUT_DEFAULT, RESERVATION_TIMEOUT_MAX = 120, 86_400
ALERT_MORE_INFO = "https://www.twilio.com/docs/api/errors/{code}"


def attributes_json(value: str | None, name: str = "Attributes") -> str:
    """Validate a JSON-object attributes string; Twilio keeps the string as sent."""
    if value is None or value == "":
        return "{}"
    if len(value) > ATTRIBUTES_MAX:
        raise InvalidParameter(
            f"{name} is {len(value)} characters, over TaskRouter's limit of {ATTRIBUTES_MAX}"
        )
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        raise InvalidParameter(f"{name} is not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(parsed, dict):
        raise InvalidParameter(f"{name} must be a JSON object, got {type(parsed).__name__}")
    return value


class VersionedTasks(ResourceTable):
    """Tasks carry a version, the ETag Twilio returns on create, fetch and update: 0 when created, one more
    on every change, whoever makes it (a request, routing, Flex); Twilio's "REST API: Mutation and Conflict
    Resolution". The version lives in `_version`, which the renderer does not show."""

    def create(
        self, fields: dict[str, Any], parent: str | None = None, sid: str | None = None
    ) -> dict[str, Any]:
        return super().create({**fields, "_version": 0}, parent, sid)

    def update(self, sid: str, changes: dict[str, Any]) -> dict[str, Any]:
        with self.store.transaction():  # re-entrant: the read and the write are one step for other requests
            current = self.get(sid)
            version = (current or {}).get("_version", 0) + 1
            return super().update(sid, {**changes, "_version": version})

    def created(self, sid: str) -> dict[str, Any]:
        """The task as its create request leaves it (routed, maybe reserved): version 0, as Twilio answers."""
        return super().update(sid, {"_version": 0})


def etag(task: dict[str, Any]) -> str:
    return str(task.get("_version", 0))


def check_if_match(task: dict[str, Any], if_match: str | None) -> None:
    """Twilio's If-Match on a Task: the change applies only at that version of the task (412/20412)."""
    if if_match is None:
        return
    wanted = if_match.strip()
    if wanted.startswith("W/"):
        wanted = wanted[2:]
    wanted = wanted.strip('"')
    if wanted != "*" and wanted != etag(task):
        raise PreconditionFailed(
            f"task {task['sid']} is at version {etag(task)}, the If-Match header named {if_match!r}"
        )


def _duplicate_queue(name: str, ws: str, account: str) -> str:
    # The wording Twilio uses (nash-md/twilio-contact-center#23).
    return f"Queue named {name} already exists for workspace {ws} for account {account}"


Method = TypeVar("Method", bound=Callable[..., Any])


def catches_up(method: Method) -> Method:
    """Apply the workspace's due timers (the method's first argument is the workspace SID) before the
    operation itself; nested entry points apply them once."""

    @functools.wraps(method)
    def wrapper(self: TaskRouterBackend, ws: str, *args: Any, **kwargs: Any) -> Any:
        if getattr(self._catching_up, "active", False):
            return method(self, ws, *args, **kwargs)
        self._catching_up.active = True
        try:
            self.apply_due_timers(ws)
            return method(self, ws, *args, **kwargs)
        finally:
            self._catching_up.active = False

    return wrapper  # type: ignore[return-value]


class TaskRouterBackend:
    def __init__(self, state: SandboxState) -> None:
        self.state = state
        store = state.store
        self.store = store
        self.workspaces = ResourceTable(store, "taskrouter.workspace", "WS")
        self.activities = ResourceTable(store, "taskrouter.activity", "WA")
        self.channels = ResourceTable(store, "taskrouter.task_channel", "TC")
        self.queues = ResourceTable(store, "taskrouter.task_queue", "WQ")
        self.workers = ResourceTable(store, "taskrouter.worker", "WK")
        self.workflows = ResourceTable(store, "taskrouter.workflow", "WW")
        self.tasks = VersionedTasks(store, "taskrouter.task", "WT")
        self.reservations = ResourceTable(store, "taskrouter.reservation", "WR")
        # Twilio's debugger alerts (Monitor API shape) raised while routing, e.g. 40152/40155.
        self.alerts = ResourceTable(store, "monitor.alert", "NO")
        self.clock = state.clock
        self._catching_up = threading.local()
        # Called with (task, reservation, worker) after a reservation is accepted (Flex adds participants).
        self.on_accept: list[Callable[[dict, dict, dict], None]] = []

    # ---- workspaces ------------------------------------------------------------------------------------
    @catches_up
    def workspace(self, sid: str) -> dict[str, Any]:
        return self.workspaces.fetch(sid, path=f"/Workspaces/{sid}")

    def list_workspaces(self, friendly_name: str | None = None) -> list[dict[str, Any]]:
        return self.workspaces.list(**({"friendly_name": friendly_name} if friendly_name else {}))

    def create_workspace(self, friendly_name: str, **options: Any) -> dict[str, Any]:
        with self.store.transaction():
            ws = self.workspaces.create(
                {
                    "account_sid": self.state.account_sid,
                    "friendly_name": friendly_name,
                    "event_callback_url": options.get("event_callback_url"),
                    "events_filter": options.get("events_filter"),
                    "multi_task_enabled": options.get("multi_task_enabled", True),
                    "prioritize_queue_order": options.get("prioritize_queue_order") or "FIFO",
                    "default_activity_sid": None,
                    "default_activity_name": None,
                    "timeout_activity_sid": None,
                    "timeout_activity_name": None,
                }
            )
            for name, available in DEFAULT_ACTIVITIES:
                self.create_activity(ws["sid"], name, available)
            for name, unique in DEFAULT_TASK_CHANNELS:
                self.create_channel(ws["sid"], name, unique)
            offline = self.activities.list(parent=ws["sid"], friendly_name="Offline")[0]
            return self.workspaces.update(
                ws["sid"],
                {
                    "default_activity_sid": offline["sid"],
                    "default_activity_name": "Offline",
                    "timeout_activity_sid": offline["sid"],
                    "timeout_activity_name": "Offline",
                },
            )

    @catches_up
    def update_workspace(self, sid: str, changes: dict[str, Any]) -> dict[str, Any]:
        self.workspace(sid)
        for key in ("default_activity_sid", "timeout_activity_sid"):
            if changes.get(key):
                activity = self.activity(sid, changes[key], param=key)
                changes[key.replace("_sid", "_name")] = activity["friendly_name"]
        return self.workspaces.update(sid, changes)

    @catches_up
    def delete_workspace(self, sid: str) -> None:
        self.workspace(sid)
        self.workspaces.delete(sid)

    # ---- activities ------------------------------------------------------------------------------------
    @catches_up
    def activity(self, ws: str, sid: str, param: str | None = None) -> dict[str, Any]:
        doc = self.activities.get(sid, ws)
        if doc is None:
            if param:
                raise InvalidParameter(f"{param} {sid!r} is not an activity of workspace {ws}")
            raise NotFound(f"/Workspaces/{ws}/Activities/{sid}")
        return doc

    @catches_up
    def create_activity(self, ws: str, friendly_name: str, available: bool) -> dict[str, Any]:
        with self.store.transaction():
            if any(a["friendly_name"] == friendly_name for a in self.activities.list(parent=ws)):
                raise InvalidParameter(f"Activity named {friendly_name} already exists for workspace {ws}")
            return self.activities.create(
                {
                    "account_sid": self.state.account_sid,
                    "workspace_sid": ws,
                    "friendly_name": friendly_name,
                    "available": available,
                },
                parent=ws,
            )

    @catches_up
    def delete_activity(self, ws: str, sid: str) -> None:
        self.activity(ws, sid)
        if self.workers.list(parent=ws, activity_sid=sid):
            raise InvalidParameter(
                f"Activity {sid} is in use by workers; move them to another activity first"
            )
        workspace = self.workspace(ws)
        if sid in (workspace["default_activity_sid"], workspace["timeout_activity_sid"]):
            raise InvalidParameter(f"Activity {sid} is the workspace's default or timeout activity")
        self.activities.delete(sid)

    @catches_up
    def list_activities(
        self, ws: str, friendly_name: str | None = None, available: bool | None = None
    ) -> list[dict[str, Any]]:
        self.workspace(ws)
        found = self.activities.list(parent=ws, **({"friendly_name": friendly_name} if friendly_name else {}))
        return [a for a in found if available is None or a["available"] == available]

    @catches_up
    def update_activity(self, ws: str, sid: str, changes: dict[str, Any]) -> dict[str, Any]:
        self.activity(ws, sid)
        return self.activities.update(sid, changes)

    # ---- task channels ---------------------------------------------------------------------------------
    @catches_up
    def channel(self, ws: str, ref: str) -> dict[str, Any]:
        """By TC SID or unique name."""
        doc = self.channels.get(ref, ws) if is_sid(ref, "TC") else None
        if doc is None:
            matches = self.channels.list(parent=ws, unique_name=ref)
            doc = matches[0] if matches else None
        if doc is None:
            raise NotFound(f"/Workspaces/{ws}/TaskChannels/{ref}")
        return doc

    @catches_up
    def create_channel(
        self, ws: str, friendly_name: str, unique_name: str, channel_optimized_routing: bool | None = None
    ) -> dict[str, Any]:
        with self.store.transaction():
            if self.channels.list(parent=ws, unique_name=unique_name):
                raise InvalidParameter(
                    f"TaskChannel with UniqueName {unique_name} already exists for workspace {ws}"
                )
            return self.channels.create(
                {
                    "account_sid": self.state.account_sid,
                    "workspace_sid": ws,
                    "friendly_name": friendly_name,
                    "unique_name": unique_name,
                    "channel_optimized_routing": channel_optimized_routing,
                },
                parent=ws,
            )

    @catches_up
    def list_channels(self, ws: str) -> list[dict[str, Any]]:
        self.workspace(ws)
        return self.channels.list(parent=ws)

    @catches_up
    def update_channel(self, ws: str, ref: str, changes: dict[str, Any]) -> dict[str, Any]:
        return self.channels.update(self.channel(ws, ref)["sid"], changes)

    @catches_up
    def delete_channel(self, ws: str, ref: str) -> None:
        self.channels.delete(self.channel(ws, ref)["sid"])

    # ---- task queues -----------------------------------------------------------------------------------
    @catches_up
    def queue(self, ws: str, sid: str) -> dict[str, Any]:
        return self.queues.fetch(sid, ws, path=f"/Workspaces/{ws}/TaskQueues/{sid}")

    @catches_up
    def create_queue(self, ws: str, fields: dict[str, Any]) -> dict[str, Any]:
        self.workspace(ws)
        name = fields["friendly_name"]
        check_expression(fields.get("target_workers") or "1==1", "queue", "TargetWorkers")
        with self.store.transaction():
            if self.queues.list(parent=ws, friendly_name=name):
                raise InvalidParameter(_duplicate_queue(name, ws, self.state.account_sid))
            doc = {
                "account_sid": self.state.account_sid,
                "workspace_sid": ws,
                "friendly_name": name,
                "target_workers": fields.get("target_workers") or "1==1",
                "max_reserved_workers": fields.get("max_reserved_workers") or 1,
                "task_order": fields.get("task_order") or "FIFO",
                "reservation_activity_sid": None,
                "reservation_activity_name": None,
                "assignment_activity_sid": None,
                "assignment_activity_name": None,
            }
            doc.update(self._queue_activities(ws, fields))
            return self.queues.create(doc, parent=ws)

    def _queue_activities(self, ws: str, fields: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in ("reservation_activity_sid", "assignment_activity_sid"):
            if fields.get(key):
                out[key] = fields[key]
                out[key.replace("_sid", "_name")] = self.activity(ws, fields[key], param=key)["friendly_name"]
        return out

    @catches_up
    def update_queue(self, ws: str, sid: str, fields: dict[str, Any]) -> dict[str, Any]:
        current = self.queue(ws, sid)
        if "target_workers" in fields:
            check_expression(fields["target_workers"], "queue", "TargetWorkers")
        with self.store.transaction():
            name = fields.get("friendly_name")
            if name and name != current["friendly_name"] and self.queues.list(parent=ws, friendly_name=name):
                raise InvalidParameter(_duplicate_queue(name, ws, self.state.account_sid))
            changes = {k: v for k, v in fields.items() if not k.endswith("activity_sid")}
            changes.update(self._queue_activities(ws, fields))
            return self.queues.update(sid, changes)

    @catches_up
    def delete_queue(self, ws: str, sid: str) -> None:
        self.queue(ws, sid)
        self.queues.delete(sid)

    @catches_up
    def list_queues(
        self, ws: str, friendly_name: str | None = None, worker_sid: str | None = None
    ) -> list[dict[str, Any]]:
        self.workspace(ws)
        found = self.queues.list(parent=ws, **({"friendly_name": friendly_name} if friendly_name else {}))
        if worker_sid:
            attributes = self.worker(ws, worker_sid)["attributes"]
            found = [q for q in found if in_queue(q["target_workers"], attributes)]
        return found

    # ---- workers ---------------------------------------------------------------------------------------
    @catches_up
    def worker(self, ws: str, sid: str) -> dict[str, Any]:
        return self.workers.fetch(sid, ws, path=f"/Workspaces/{ws}/Workers/{sid}")

    @catches_up
    def create_worker(
        self, ws: str, friendly_name: str, attributes: str | None, activity_sid: str | None
    ) -> dict[str, Any]:
        workspace = self.workspace(ws)
        attrs = attributes_json(attributes)
        activity = self.activity(ws, activity_sid or workspace["default_activity_sid"], param="ActivitySid")
        with self.store.transaction():
            if any(w["friendly_name"].lower() == friendly_name.lower() for w in self.workers.list(parent=ws)):
                raise InvalidParameter(f"Worker named {friendly_name} already exists for workspace {ws}")
            now = self.clock.iso()
            return self.workers.create(
                {
                    "account_sid": self.state.account_sid,
                    "workspace_sid": ws,
                    "friendly_name": friendly_name,
                    "attributes": attrs,
                    "activity_sid": activity["sid"],
                    "activity_name": activity["friendly_name"],
                    "available": activity["available"],
                    "date_status_changed": now,
                },
                parent=ws,
            )

    @catches_up
    def update_worker(
        self, ws: str, sid: str, friendly_name: str | None, attributes: str | None, activity_sid: str | None
    ) -> dict[str, Any]:
        current = self.worker(ws, sid)
        changes: dict[str, Any] = {}
        if attributes is not None:
            changes["attributes"] = attributes_json(attributes)
        if friendly_name is not None and friendly_name != current["friendly_name"]:
            if any(w["friendly_name"].lower() == friendly_name.lower() for w in self.workers.list(parent=ws)):
                raise InvalidParameter(f"Worker named {friendly_name} already exists for workspace {ws}")
            changes["friendly_name"] = friendly_name
        if activity_sid is not None and activity_sid != current["activity_sid"]:
            activity = self.activity(ws, activity_sid, param="ActivitySid")
            changes.update(
                activity_sid=activity["sid"],
                activity_name=activity["friendly_name"],
                available=activity["available"],
                date_status_changed=self.clock.iso(),
            )
        with self.store.transaction():
            doc = self.workers.update(sid, changes) if changes else current
            if changes.get("available") or "attributes" in changes:
                Assigner(self).assign_pending(ws)  # a worker who became eligible may take waiting tasks
        return doc

    @catches_up
    def delete_worker(self, ws: str, sid: str) -> None:
        """Offers the worker still holds are rescinded, so their tasks go to the next worker."""
        self.worker(ws, sid)
        with self.store.transaction():
            self.workers.delete(sid)
            assigner = Assigner(self)
            for reservation in self.reservations.list(workspace_sid=ws, worker_sid=sid):
                if reservation["reservation_status"] == "pending":
                    assigner.transition(reservation, "rescinded")

    @catches_up
    def list_workers(
        self,
        ws: str,
        friendly_name: str | None = None,
        activity_sid: str | None = None,
        activity_name: str | None = None,
        available: bool | None = None,
        task_queue_sid: str | None = None,
        task_queue_name: str | None = None,
        target_workers: str | None = None,
    ) -> list[dict[str, Any]]:
        """Twilio's worker filters; a queue named but not found matches nobody."""
        self.workspace(ws)
        found = self.workers.list(parent=ws)
        if friendly_name:
            found = [w for w in found if w["friendly_name"].lower() == friendly_name.lower()]
        if activity_sid:
            found = [w for w in found if w["activity_sid"] == activity_sid]
        if activity_name:
            found = [w for w in found if w["activity_name"] == activity_name]
        if available is not None:
            found = [w for w in found if w["available"] == available]
        expressions = [target_workers] if target_workers else []
        if task_queue_sid:
            expressions.append(self.queue(ws, task_queue_sid)["target_workers"])
        elif task_queue_name:
            named = self.queues.list(parent=ws, friendly_name=task_queue_name)
            expressions.append(named[0]["target_workers"] if named else "1==2")
        for expression in expressions:
            found = [w for w in found if in_queue(expression, w["attributes"])]
        return found

    # ---- workflows -------------------------------------------------------------------------------------
    @catches_up
    def workflow(self, ws: str, sid: str) -> dict[str, Any]:
        return self.workflows.fetch(sid, ws, path=f"/Workspaces/{ws}/Workflows/{sid}")

    def checked_configuration(self, ws: str, configuration: str) -> str:
        """400/20001 with the first problem's line when invalid; else the re-serialised configuration."""
        check_configuration(configuration, {q["sid"] for q in self.queues.list(parent=ws)})
        # Twilio answers with its own serialisation, not the bytes sent (terraform-provider-twilio#120).
        return json.dumps(json.loads(configuration), separators=(",", ":"))

    @catches_up
    def create_workflow(self, ws: str, fields: dict[str, Any]) -> dict[str, Any]:
        self.workspace(ws)
        return self.workflows.create(
            {
                "account_sid": self.state.account_sid,
                "workspace_sid": ws,
                "friendly_name": fields["friendly_name"],
                "configuration": self.checked_configuration(ws, fields["configuration"]),
                "assignment_callback_url": fields.get("assignment_callback_url"),
                "fallback_assignment_callback_url": fields.get("fallback_assignment_callback_url"),
                "task_reservation_timeout": fields.get("task_reservation_timeout")
                or RESERVATION_TIMEOUT_DEFAULT,
                "document_content_type": "application/json",
            },
            parent=ws,
        )

    @catches_up
    def update_workflow(
        self, ws: str, sid: str, fields: dict[str, Any], reevaluate_tasks: bool = False
    ) -> dict[str, Any]:
        """`reevaluate_tasks` (ReEvaluateTasks=true): the workflow's pending tasks are routed again through
        the configuration it now has; without it they stay where they are (twilio-api.md §1 Workflow)."""
        self.workflow(ws, sid)
        if "configuration" in fields:
            fields["configuration"] = self.checked_configuration(ws, fields["configuration"])
        with self.store.transaction():
            workflow = self.workflows.update(sid, fields)
            if reevaluate_tasks:
                Assigner(self).reevaluate(ws, sid)
        return workflow

    @catches_up
    def delete_workflow(self, ws: str, sid: str) -> None:
        """Its waiting tasks are canceled with a reason: no workflow is left to route them."""
        self.workflow(ws, sid)
        with self.store.transaction():
            assigner = Assigner(self)
            for task in self.tasks.list(parent=ws, workflow_sid=sid):
                if task["assignment_status"] in LIVE:
                    assigner.cancel(task, WORKFLOW_DELETED.format(sid=sid))
            self.workflows.delete(sid)

    @catches_up
    def list_workflows(self, ws: str, friendly_name: str | None = None) -> list[dict[str, Any]]:
        self.workspace(ws)
        return self.workflows.list(parent=ws, **({"friendly_name": friendly_name} if friendly_name else {}))

    # ---- tasks -----------------------------------------------------------------------------------------
    @catches_up
    def task(self, ws: str, sid: str) -> dict[str, Any]:
        return self.tasks.fetch(sid, ws, path=f"/Workspaces/{ws}/Tasks/{sid}")

    @catches_up
    def create_task(
        self,
        ws: str,
        attributes: str | None,
        workflow_sid: str | None,
        task_channel: str | None,
        priority: int | None,
        timeout: int | None,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Create a task and route it at once: it enters the matched queue and may get a reservation."""
        self.workspace(ws)
        attrs = attributes_json(attributes)
        workflows = self.workflows.list(parent=ws)
        if workflow_sid:
            workflow = self.workflows.get(workflow_sid, ws)
            if workflow is None:
                raise InvalidParameter(f"WorkflowSid {workflow_sid} is not a workflow of workspace {ws}")
        elif len(workflows) == 1:
            workflow = workflows[0]
        else:
            raise InvalidParameter(f"WorkflowSid is required: workspace {ws} has {len(workflows)} workflows")
        try:
            channel = self.channel(ws, task_channel or "default")
        except NotFound:
            raise InvalidParameter(
                f"TaskChannel {task_channel!r} is not a task channel of workspace {ws}"
            ) from None
        with self.store.transaction():
            task = self.tasks.create(
                {
                    "account_sid": self.state.account_sid,
                    "workspace_sid": ws,
                    "attributes": attrs,
                    "assignment_status": "pending",
                    "age": 0,
                    "priority": priority or 0,
                    "reason": None,
                    "timeout": timeout or TASK_TTL_DEFAULT,
                    "workflow_sid": workflow["sid"],
                    "workflow_friendly_name": workflow["friendly_name"],
                    "task_queue_sid": None,
                    "task_queue_friendly_name": None,
                    "task_queue_entered_date": None,
                    "task_channel_sid": channel["sid"],
                    "task_channel_unique_name": channel["unique_name"],
                    "addons": "{}",
                    "virtual_start_time": None,
                    "ignore_capacity": None,
                    "routing_target": None,
                    "_rejected_by": [],
                    **(extra or {}),
                },
                parent=ws,
            )
            task["virtual_start_time"] = task["date_created"]
            task = self.tasks.update(task["sid"], {"virtual_start_time": task["date_created"]})
            Assigner(self).route(task)
            return self.tasks.created(task["sid"])

    @catches_up
    def update_task(
        self, ws: str, sid: str, changes: dict[str, Any], if_match: str | None = None
    ) -> dict[str, Any]:
        task = self.task(ws, sid)
        status = changes.get("assignment_status")
        if status in ("canceled", "completed") and not changes.get("reason"):
            raise InvalidParameter(f"Reason is required when setting AssignmentStatus to {status}")
        if "attributes" in changes:
            changes["attributes"] = attributes_json(changes["attributes"])
        with self.store.transaction():
            check_if_match(self.task(ws, sid), if_match)  # inside the transaction: no change slips between
            if status in ("canceled", "completed"):
                for res in self.reservations.list(parent=sid, reservation_status="pending"):
                    self.reservations.update(res["sid"], {"reservation_status": "canceled"})
                changes["_leaves_at"] = None
            return self.tasks.update(task["sid"], changes)

    @catches_up
    def delete_task(self, ws: str, sid: str, if_match: str | None = None) -> None:
        with self.store.transaction():
            check_if_match(self.task(ws, sid), if_match)
            self.tasks.delete(sid)

    @catches_up
    def list_tasks(
        self,
        ws: str,
        statuses: list[str] | None = None,
        equals: dict[str, Any] | None = None,
        evaluate_attributes: str | None = None,
    ) -> list[dict[str, Any]]:
        """`equals`: stored fields that must match (workflow_sid, task_queue_friendly_name, priority…)."""
        self.workspace(ws)
        found = self.tasks.list(parent=ws, **(equals or {}))
        if statuses:
            found = [t for t in found if t["assignment_status"] in statuses]
        if evaluate_attributes:
            found = [t for t in found if matches_task(evaluate_attributes, t["attributes"])]
        return found

    # ---- reservations ----------------------------------------------------------------------------------
    @catches_up
    def reservation(self, ws: str, task_sid: str, sid: str) -> dict[str, Any]:
        return self.reservations.fetch(
            sid, task_sid, path=f"/Workspaces/{ws}/Tasks/{task_sid}/Reservations/{sid}"
        )

    @catches_up
    def list_task_reservations(
        self, ws: str, task_sid: str, status: str | None = None, worker_sid: str | None = None
    ) -> list[dict[str, Any]]:
        found = self.reservations.list(parent=self.task(ws, task_sid)["sid"])
        return [
            r
            for r in found
            if (status is None or r["reservation_status"] == status)
            and (worker_sid is None or r["worker_sid"] == worker_sid)
        ]

    @catches_up
    def worker_reservations(
        self, ws: str, worker_sid: str, status: str | None = None
    ) -> list[dict[str, Any]]:
        self.worker(ws, worker_sid)
        return [
            r
            for r in self.reservations.list(workspace_sid=ws, worker_sid=worker_sid)
            if status is None or r["reservation_status"] == status
        ]

    @catches_up
    def worker_reservation(self, ws: str, worker_sid: str, sid: str) -> dict[str, Any]:
        for reservation in self.worker_reservations(ws, worker_sid):
            if reservation["sid"] == sid:
                return reservation
        raise NotFound(f"/Workspaces/{ws}/Workers/{worker_sid}/Reservations/{sid}")

    def apply_due_timers(self, ws: str) -> None:
        """What time did in the workspace since the last request (routing.Assigner.apply_due_timers)."""
        Assigner(self).apply_due_timers(ws)

    def list_alerts(self) -> list[dict[str, Any]]:
        return self.alerts.list()

    def raise_alert(self, code: int, task: dict[str, Any], message: str) -> dict[str, Any]:
        """Record one of Twilio's debugger alerts (they never answer a request; GET /_sandbox/alerts)."""
        return self.alerts.create(
            {
                "account_sid": self.state.account_sid,
                "error_code": str(code),
                "log_level": "error",
                "alert_text": message,
                "more_info": ALERT_MORE_INFO.format(code=code),
                "resource_sid": task["sid"],
                "service_sid": task["workspace_sid"],
            }
        )

    @catches_up
    def update_reservation(self, ws: str, task_sid: str, sid: str, status: str) -> dict[str, Any]:
        with self.store.transaction():
            reservation = self.reservation(ws, task_sid, sid)
            return Assigner(self).transition(reservation, status)
