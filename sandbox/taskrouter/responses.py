"""TaskRouter handlers: read Twilio's form parameters, call the backend, render Twilio's JSON. They never
read tables or apply time themselves: the backend's entry points do (models.py)."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from flex_chat_transfer.sandbox.core.errors import InvalidParameter
from flex_chat_transfer.sandbox.core.http import Ctx, public
from flex_chat_transfer.sandbox.taskrouter.models import (
    RESERVATION_TIMEOUT_MAX,
    TASK_TTL_MAX,
    TaskRouterBackend,
    etag,
)


def _b(ctx: Ctx) -> TaskRouterBackend:
    return ctx.backend


def _page(ctx: Ctx, items, key: str, path: str, render, filters=()) -> dict[str, Any]:
    return ctx.page(items, key, path, lambda ctx, doc: render(ctx, doc, listed=True), filters=filters)


# ---- renderers -----------------------------------------------------------------------------------------
def render_workspace(ctx: Ctx, d: dict[str, Any], listed: bool = False) -> dict[str, Any]:
    base = f"/Workspaces/{d['sid']}"
    names = {n: n.title() for n in ("activities", "tasks", "workers", "workflows", "events")}
    names |= {"task_queues": "TaskQueues", "task_channels": "TaskChannels", **STATISTICS_LINKS}
    return {**public(d), "url": ctx.url(base), "links": ctx.links(base, names)}


STATISTICS_LINKS = {
    "statistics": "Statistics",
    "real_time_statistics": "RealTimeStatistics",
    "cumulative_statistics": "CumulativeStatistics",
}


def _stats(ctx: Ctx, base: str) -> dict[str, str]:
    return ctx.links(base, STATISTICS_LINKS)


def render_activity(ctx: Ctx, d: dict[str, Any], listed: bool = False) -> dict[str, Any]:
    base = f"/Workspaces/{d['workspace_sid']}/Activities/{d['sid']}"
    return {
        **public(d),
        "url": ctx.url(base),
        "links": {"workspace": ctx.url(f"/Workspaces/{d['workspace_sid']}")},
    }


def render_channel(ctx: Ctx, d: dict[str, Any], listed: bool = False) -> dict[str, Any]:
    base = f"/Workspaces/{d['workspace_sid']}/TaskChannels/{d['sid']}"
    return {
        **public(d),
        "url": ctx.url(base),
        "links": {"workspace": ctx.url(f"/Workspaces/{d['workspace_sid']}")},
    }


def render_queue(ctx: Ctx, d: dict[str, Any], listed: bool = False) -> dict[str, Any]:
    ws = f"/Workspaces/{d['workspace_sid']}"
    base = f"{ws}/TaskQueues/{d['sid']}"
    links = {
        "workspace": ctx.url(ws),
        **_stats(ctx, base),
        "list_statistics": ctx.url(f"{ws}/TaskQueues/Statistics"),
        "bulk_real_time_statistics": ctx.url(f"{ws}/TaskQueues/RealTimeStatistics"),
    }
    for kind in ("assignment_activity", "reservation_activity"):
        if d.get(f"{kind}_sid"):
            links[kind] = ctx.url(f"{ws}/Activities/{d[f'{kind}_sid']}")
    return {**public(d), "url": ctx.url(base), "links": links}


def render_worker(ctx: Ctx, d: dict[str, Any], listed: bool = False) -> dict[str, Any]:
    ws = f"/Workspaces/{d['workspace_sid']}"
    base = f"{ws}/Workers/{d['sid']}"
    links = {
        "channels": ctx.url(f"{base}/Channels"),
        "worker_channels": ctx.url(f"{base}/Channels"),
        "activity": ctx.url(f"{ws}/Activities/{d['activity_sid']}"),
        "workspace": ctx.url(ws),
        "reservations": ctx.url(f"{base}/Reservations"),
        "worker_statistics": ctx.url(f"{base}/Statistics"),
        **_stats(ctx, f"{ws}/Workers"),
    }
    # Twilio leaves attributes out of list responses (research/twilio-api.md §1).
    return {
        **public(d),
        "age": _b(ctx).clock.seconds_since(d["date_created"]),
        "attributes": None if listed else d["attributes"],
        "url": ctx.url(base),
        "links": links,
    }


def render_workflow(ctx: Ctx, d: dict[str, Any], listed: bool = False) -> dict[str, Any]:
    base = f"/Workspaces/{d['workspace_sid']}/Workflows/{d['sid']}"
    return {**public(d), "url": ctx.url(base), "links": _stats(ctx, base)}


def render_task(ctx: Ctx, d: dict[str, Any], listed: bool = False) -> dict[str, Any]:
    ws = f"/Workspaces/{d['workspace_sid']}"
    base = f"{ws}/Tasks/{d['sid']}"
    links = {
        "workspace": ctx.url(ws),
        "workflow": ctx.url(f"{ws}/Workflows/{d['workflow_sid']}"),
        "reservations": ctx.url(f"{base}/Reservations"),
    }
    if d.get("task_queue_sid"):
        links["task_queue"] = ctx.url(f"{ws}/TaskQueues/{d['task_queue_sid']}")
    return {
        **public(d),
        "attributes": None if listed else d["attributes"],
        "url": ctx.url(base),
        "links": links,
    }


def render_reservation(ctx: Ctx, d: dict[str, Any], listed: bool = False) -> dict[str, Any]:
    ws = f"/Workspaces/{d['workspace_sid']}"
    return {
        **public(d),
        "url": ctx.url(f"{ws}/Tasks/{d['task_sid']}/Reservations/{d['sid']}"),
        "links": {
            "task": ctx.url(f"{ws}/Tasks/{d['task_sid']}"),
            "workspace": ctx.url(ws),
            "worker": ctx.url(f"{ws}/Workers/{d['worker_sid']}"),
        },
    }


def render_worker_reservation(ctx: Ctx, d: dict[str, Any], listed: bool = False) -> dict[str, Any]:
    out = render_reservation(ctx, d)
    out["url"] = ctx.url(
        f"/Workspaces/{d['workspace_sid']}/Workers/{d['worker_sid']}/Reservations/{d['sid']}"
    )
    return out


# ---- workspaces ----------------------------------------------------------------------------------------
def list_workspaces(ctx: Ctx):
    items = _b(ctx).list_workspaces(ctx.params.get("FriendlyName"))
    return _page(ctx, items, "workspaces", "/Workspaces", render_workspace, ["FriendlyName"])


def create_workspace(ctx: Ctx):
    p = ctx.params
    order = p.get("PrioritizeQueueOrder")
    if order not in (None, "FIFO", "LIFO"):
        raise InvalidParameter(f"PrioritizeQueueOrder must be FIFO or LIFO, got {order!r}")
    doc = _b(ctx).create_workspace(
        p.require("FriendlyName"),
        event_callback_url=p.get("EventCallbackUrl"),
        events_filter=p.get("EventsFilter"),
        multi_task_enabled=p.get_bool("MultiTaskEnabled", True),
        prioritize_queue_order=order,
    )
    return 201, render_workspace(ctx, doc)


def fetch_workspace(ctx: Ctx):
    return render_workspace(ctx, _b(ctx).workspace(ctx.path["ws"]))


def update_workspace(ctx: Ctx):
    p = ctx.params
    changes = _changes(
        p,
        FriendlyName="friendly_name",
        EventCallbackUrl="event_callback_url",
        EventsFilter="events_filter",
        PrioritizeQueueOrder="prioritize_queue_order",
        DefaultActivitySid="default_activity_sid",
        TimeoutActivitySid="timeout_activity_sid",
    )
    if p.has("MultiTaskEnabled"):
        changes["multi_task_enabled"] = p.get_bool("MultiTaskEnabled")
    return render_workspace(ctx, _b(ctx).update_workspace(ctx.path["ws"], changes))


def delete_workspace(ctx: Ctx):
    _b(ctx).delete_workspace(ctx.path["ws"])


def _changes(params, **names: str) -> dict[str, Any]:
    return {field: params.get(param) for param, field in names.items() if params.has(param)}


# ---- activities ----------------------------------------------------------------------------------------
def list_activities(ctx: Ctx):
    ws, p = ctx.path["ws"], ctx.params
    items = _b(ctx).list_activities(
        ws, p.get("FriendlyName"), p.get_bool("Available") if p.has("Available") else None
    )
    return _page(
        ctx,
        items,
        "activities",
        f"/Workspaces/{ws}/Activities",
        render_activity,
        ["FriendlyName", "Available"],
    )


def create_activity(ctx: Ctx):
    doc = _b(ctx).create_activity(
        ctx.path["ws"], ctx.params.require("FriendlyName"), bool(ctx.params.get_bool("Available", True))
    )
    return 201, render_activity(ctx, doc)


def fetch_activity(ctx: Ctx):
    return render_activity(ctx, _b(ctx).activity(ctx.path["ws"], ctx.path["sid"]))


def update_activity(ctx: Ctx):
    changes = _changes(ctx.params, FriendlyName="friendly_name")
    return render_activity(ctx, _b(ctx).update_activity(ctx.path["ws"], ctx.path["sid"], changes))


def delete_activity(ctx: Ctx):
    _b(ctx).delete_activity(ctx.path["ws"], ctx.path["sid"])


# ---- task channels -------------------------------------------------------------------------------------
def list_channels(ctx: Ctx):
    ws = ctx.path["ws"]
    return _page(ctx, _b(ctx).list_channels(ws), "channels", f"/Workspaces/{ws}/TaskChannels", render_channel)


def create_channel(ctx: Ctx):
    p = ctx.params
    doc = _b(ctx).create_channel(
        ctx.path["ws"],
        p.require("FriendlyName"),
        p.require("UniqueName"),
        p.get_bool("ChannelOptimizedRouting"),
    )
    return 201, render_channel(ctx, doc)


def fetch_channel(ctx: Ctx):
    return render_channel(ctx, _b(ctx).channel(ctx.path["ws"], ctx.path["sid"]))


def update_channel(ctx: Ctx):
    changes = _changes(ctx.params, FriendlyName="friendly_name")
    if ctx.params.has("ChannelOptimizedRouting"):
        changes["channel_optimized_routing"] = ctx.params.get_bool("ChannelOptimizedRouting")
    return render_channel(ctx, _b(ctx).update_channel(ctx.path["ws"], ctx.path["sid"], changes))


def delete_channel(ctx: Ctx):
    _b(ctx).delete_channel(ctx.path["ws"], ctx.path["sid"])


# ---- task queues ---------------------------------------------------------------------------------------
def _queue_fields(p) -> dict[str, Any]:
    fields = _changes(
        p,
        FriendlyName="friendly_name",
        TargetWorkers="target_workers",
        TaskOrder="task_order",
        ReservationActivitySid="reservation_activity_sid",
        AssignmentActivitySid="assignment_activity_sid",
    )
    if p.has("MaxReservedWorkers"):
        fields["max_reserved_workers"] = p.get_int("MaxReservedWorkers", minimum=1, maximum=50)
    if fields.get("task_order") not in (None, "FIFO", "LIFO"):
        raise InvalidParameter(f"TaskOrder must be FIFO or LIFO, got {fields['task_order']!r}")
    return fields


def list_queues(ctx: Ctx):
    ws, p = ctx.path["ws"], ctx.params
    items = _b(ctx).list_queues(ws, p.get("FriendlyName"), p.get("WorkerSid"))
    return _page(
        ctx, items, "task_queues", f"/Workspaces/{ws}/TaskQueues", render_queue, ["FriendlyName", "WorkerSid"]
    )


def create_queue(ctx: Ctx):
    fields = _queue_fields(ctx.params)
    fields["friendly_name"] = ctx.params.require("FriendlyName")
    return 201, render_queue(ctx, _b(ctx).create_queue(ctx.path["ws"], fields))


def fetch_queue(ctx: Ctx):
    return render_queue(ctx, _b(ctx).queue(ctx.path["ws"], ctx.path["sid"]))


def update_queue(ctx: Ctx):
    return render_queue(ctx, _b(ctx).update_queue(ctx.path["ws"], ctx.path["sid"], _queue_fields(ctx.params)))


def delete_queue(ctx: Ctx):
    _b(ctx).delete_queue(ctx.path["ws"], ctx.path["sid"])


# ---- workers -------------------------------------------------------------------------------------------
def list_workers(ctx: Ctx):
    ws, p = ctx.path["ws"], ctx.params
    items = _b(ctx).list_workers(
        ws,
        friendly_name=p.get("FriendlyName"),
        activity_sid=p.get("ActivitySid"),
        activity_name=p.get("ActivityName"),
        available=p.get_bool("Available") if p.has("Available") else None,
        task_queue_sid=p.get("TaskQueueSid"),
        task_queue_name=p.get("TaskQueueName"),
        target_workers=p.get("TargetWorkersExpression"),
    )
    return _page(
        ctx,
        items,
        "workers",
        f"/Workspaces/{ws}/Workers",
        render_worker,
        [
            "FriendlyName",
            "ActivitySid",
            "ActivityName",
            "Available",
            "TaskQueueSid",
            "TaskQueueName",
            "TargetWorkersExpression",
        ],
    )


def create_worker(ctx: Ctx):
    p = ctx.params
    doc = _b(ctx).create_worker(
        ctx.path["ws"], p.require("FriendlyName"), p.get("Attributes"), p.get("ActivitySid")
    )
    return 201, render_worker(ctx, doc)


def fetch_worker(ctx: Ctx):
    return render_worker(ctx, _b(ctx).worker(ctx.path["ws"], ctx.path["sid"]))


def update_worker(ctx: Ctx):
    p = ctx.params
    doc = _b(ctx).update_worker(
        ctx.path["ws"], ctx.path["sid"], p.get("FriendlyName"), p.get("Attributes"), p.get("ActivitySid")
    )
    return render_worker(ctx, doc)


def delete_worker(ctx: Ctx):
    _b(ctx).delete_worker(ctx.path["ws"], ctx.path["sid"])


# ---- workflows -----------------------------------------------------------------------------------------
def _workflow_fields(p) -> dict[str, Any]:
    fields = _changes(
        p,
        FriendlyName="friendly_name",
        Configuration="configuration",
        AssignmentCallbackUrl="assignment_callback_url",
        FallbackAssignmentCallbackUrl="fallback_assignment_callback_url",
    )
    if p.has("TaskReservationTimeout"):
        fields["task_reservation_timeout"] = p.get_int(
            "TaskReservationTimeout", minimum=1, maximum=RESERVATION_TIMEOUT_MAX
        )
    return fields


def list_workflows(ctx: Ctx):
    ws = ctx.path["ws"]
    items = _b(ctx).list_workflows(ws, ctx.params.get("FriendlyName"))
    return _page(ctx, items, "workflows", f"/Workspaces/{ws}/Workflows", render_workflow, ["FriendlyName"])


def create_workflow(ctx: Ctx):
    fields = _workflow_fields(ctx.params)
    fields["friendly_name"] = ctx.params.require("FriendlyName")
    fields["configuration"] = ctx.params.require("Configuration")
    return 201, render_workflow(ctx, _b(ctx).create_workflow(ctx.path["ws"], fields))


def fetch_workflow(ctx: Ctx):
    return render_workflow(ctx, _b(ctx).workflow(ctx.path["ws"], ctx.path["sid"]))


def update_workflow(ctx: Ctx):
    reevaluate = bool(ctx.params.get_bool("ReEvaluateTasks"))
    return render_workflow(
        ctx,
        _b(ctx).update_workflow(
            ctx.path["ws"], ctx.path["sid"], _workflow_fields(ctx.params), reevaluate_tasks=reevaluate
        ),
    )


def delete_workflow(ctx: Ctx):
    _b(ctx).delete_workflow(ctx.path["ws"], ctx.path["sid"])


# ---- tasks ---------------------------------------------------------------------------------------------
def list_tasks(ctx: Ctx):
    ws, p = ctx.path["ws"], ctx.params
    equals = {
        field: p.get(param)
        for param, field in (
            ("WorkflowSid", "workflow_sid"),
            ("WorkflowName", "workflow_friendly_name"),
            ("TaskQueueSid", "task_queue_sid"),
            ("TaskQueueName", "task_queue_friendly_name"),
        )
        if p.get(param)
    }
    if p.has("Priority"):
        equals["priority"] = p.get_int("Priority")
    items = _b(ctx).list_tasks(ws, p.get_list("AssignmentStatus"), equals, p.get("EvaluateTaskAttributes"))
    return _page(
        ctx,
        items,
        "tasks",
        f"/Workspaces/{ws}/Tasks",
        render_task,
        [
            "AssignmentStatus",
            "WorkflowSid",
            "WorkflowName",
            "TaskQueueSid",
            "TaskQueueName",
            "Priority",
            "EvaluateTaskAttributes",
        ],
    )


def create_task(ctx: Ctx):
    p = ctx.params
    doc = _b(ctx).create_task(
        ctx.path["ws"],
        p.get("Attributes"),
        p.get("WorkflowSid"),
        p.get("TaskChannel"),
        p.get_int("Priority", minimum=0, maximum=2_147_483_647),
        p.get_int("Timeout", minimum=1, maximum=TASK_TTL_MAX),
    )
    return _versioned(ctx, doc, 201)


def _versioned(ctx: Ctx, task: dict[str, Any], status: int = 200) -> JSONResponse:
    """A task with its version in the ETag header, as Twilio answers create, fetch and update."""
    return JSONResponse(render_task(ctx, task), status_code=status, headers={"ETag": etag(task)})


def fetch_task(ctx: Ctx):
    return _versioned(ctx, _b(ctx).task(ctx.path["ws"], ctx.path["sid"]))


def update_task(ctx: Ctx):
    p = ctx.params
    changes = _changes(p, Attributes="attributes", AssignmentStatus="assignment_status", Reason="reason")
    if p.has("Priority"):
        changes["priority"] = p.get_int("Priority", minimum=0, maximum=2_147_483_647)
    status = changes.get("assignment_status")
    if status not in (None, "pending", "reserved", "assigned", "canceled", "completed", "wrapping"):
        raise InvalidParameter(f"AssignmentStatus {status!r} is not a task status")
    task = _b(ctx).update_task(ctx.path["ws"], ctx.path["sid"], changes, ctx.request.headers.get("if-match"))
    return _versioned(ctx, task)


def delete_task(ctx: Ctx):
    _b(ctx).delete_task(ctx.path["ws"], ctx.path["sid"], ctx.request.headers.get("if-match"))


# ---- reservations --------------------------------------------------------------------------------------
def list_task_reservations(ctx: Ctx):
    ws, task, p = ctx.path["ws"], ctx.path["task"], ctx.params
    items = _b(ctx).list_task_reservations(ws, task, p.get("ReservationStatus"), p.get("WorkerSid"))
    return _page(
        ctx,
        items,
        "reservations",
        f"/Workspaces/{ws}/Tasks/{task}/Reservations",
        render_reservation,
        ["ReservationStatus", "WorkerSid"],
    )


def fetch_task_reservation(ctx: Ctx):
    return render_reservation(ctx, _b(ctx).reservation(ctx.path["ws"], ctx.path["task"], ctx.path["sid"]))


def update_task_reservation(ctx: Ctx):
    status = ctx.params.require("ReservationStatus")
    return render_reservation(
        ctx, _b(ctx).update_reservation(ctx.path["ws"], ctx.path["task"], ctx.path["sid"], status)
    )


def list_worker_reservations(ctx: Ctx):
    items = _b(ctx).worker_reservations(
        ctx.path["ws"], ctx.path["worker"], ctx.params.get("ReservationStatus")
    )
    path = f"/Workspaces/{ctx.path['ws']}/Workers/{ctx.path['worker']}/Reservations"
    return _page(ctx, items, "reservations", path, render_worker_reservation, ["ReservationStatus"])


def _worker_reservation(ctx: Ctx) -> dict[str, Any]:
    return _b(ctx).worker_reservation(ctx.path["ws"], ctx.path["worker"], ctx.path["sid"])


def fetch_worker_reservation(ctx: Ctx):
    return render_worker_reservation(ctx, _worker_reservation(ctx))


def update_worker_reservation(ctx: Ctx):
    r = _worker_reservation(ctx)
    doc = _b(ctx).update_reservation(
        ctx.path["ws"], r["task_sid"], r["sid"], ctx.params.require("ReservationStatus")
    )
    return render_worker_reservation(ctx, doc)
