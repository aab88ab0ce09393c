"""TaskRouter routes (https://taskrouter.twilio.com/v1/…)."""

from __future__ import annotations

from flex_chat_transfer.sandbox.core.http import Product, resource
from flex_chat_transfer.sandbox.taskrouter import responses as r
from flex_chat_transfer.sandbox.taskrouter.models import TaskRouterBackend

P = "taskrouter"
WS = "/v1/Workspaces/{ws}"

PRODUCTS = [
    Product(
        name=P,
        backend=TaskRouterBackend,
        routes=[
            *resource("/v1/Workspaces", P, r, "workspace", instance="{ws}"),
            *resource(f"{WS}/Activities", P, r, "activity", plural="activities"),
            *resource(f"{WS}/TaskChannels", P, r, "channel"),
            *resource(f"{WS}/TaskQueues", P, r, "queue"),
            *resource(f"{WS}/Workers", P, r, "worker"),
            *resource(
                f"{WS}/Workers/{{worker}}/Reservations", P, r, "worker_reservation", "list fetch update"
            ),
            *resource(f"{WS}/Workflows", P, r, "workflow"),
            *resource(f"{WS}/Tasks", P, r, "task"),
            *resource(f"{WS}/Tasks/{{task}}/Reservations", P, r, "task_reservation", "list fetch update"),
        ],
    )
]
