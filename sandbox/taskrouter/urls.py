"""TaskRouter routes (https://taskrouter.twilio.com/v1/…)."""

from __future__ import annotations

from flex_chat_transfer.sandbox.core.http import Product, route
from flex_chat_transfer.sandbox.taskrouter import responses as r
from flex_chat_transfer.sandbox.taskrouter.models import TaskRouterBackend

P = "taskrouter"
WS = "/v1/Workspaces/{ws}"

PRODUCTS = [
    Product(
        name=P,
        backend=TaskRouterBackend,
        routes=[
            route("/v1/Workspaces", P, GET=r.list_workspaces, POST=r.create_workspace),
            route(WS, P, GET=r.fetch_workspace, POST=r.update_workspace, DELETE=r.delete_workspace),
            route(f"{WS}/Activities", P, GET=r.list_activities, POST=r.create_activity),
            route(
                f"{WS}/Activities/{{sid}}",
                P,
                GET=r.fetch_activity,
                POST=r.update_activity,
                DELETE=r.delete_activity,
            ),
            route(f"{WS}/TaskChannels", P, GET=r.list_channels, POST=r.create_channel),
            route(
                f"{WS}/TaskChannels/{{sid}}",
                P,
                GET=r.fetch_channel,
                POST=r.update_channel,
                DELETE=r.delete_channel,
            ),
            route(f"{WS}/TaskQueues", P, GET=r.list_queues, POST=r.create_queue),
            route(
                f"{WS}/TaskQueues/{{sid}}", P, GET=r.fetch_queue, POST=r.update_queue, DELETE=r.delete_queue
            ),
            route(f"{WS}/Workers", P, GET=r.list_workers, POST=r.create_worker),
            route(
                f"{WS}/Workers/{{sid}}", P, GET=r.fetch_worker, POST=r.update_worker, DELETE=r.delete_worker
            ),
            route(f"{WS}/Workers/{{worker}}/Reservations", P, GET=r.list_worker_reservations),
            route(
                f"{WS}/Workers/{{worker}}/Reservations/{{sid}}",
                P,
                GET=r.fetch_worker_reservation,
                POST=r.update_worker_reservation,
            ),
            route(f"{WS}/Workflows", P, GET=r.list_workflows, POST=r.create_workflow),
            route(
                f"{WS}/Workflows/{{sid}}",
                P,
                GET=r.fetch_workflow,
                POST=r.update_workflow,
                DELETE=r.delete_workflow,
            ),
            route(f"{WS}/Tasks", P, GET=r.list_tasks, POST=r.create_task),
            route(f"{WS}/Tasks/{{sid}}", P, GET=r.fetch_task, POST=r.update_task, DELETE=r.delete_task),
            route(f"{WS}/Tasks/{{task}}/Reservations", P, GET=r.list_task_reservations),
            route(
                f"{WS}/Tasks/{{task}}/Reservations/{{sid}}",
                P,
                GET=r.fetch_task_reservation,
                POST=r.update_task_reservation,
            ),
        ],
    )
]
