"""TaskRouter TaskQueue (`twiliox:taskrouter:TaskQueue`). Import id: `WS…/WQ…` (workspace SID / queue SID).

Only the queues a stack declares (`transferQueues[i].targetWorkers`) are these resources; a queue given by
name only is looked up by the program and never touched. TaskRouter keeps queue names unique in a workspace,
and a name this stack does not hold is refused in Check with the import command. A rename is an update in
place (same SID), so the workflow's filter for the queue follows in the same `pulumi up`."""

from __future__ import annotations

from typing import Any

from flex_chat_transfer.infra.rest import TASKROUTER
from flex_chat_transfer.infra.twiliox.base import FOUND_SCHEMA, Context, Failure, Kind, found, is_unknown
from flex_chat_transfer.infra.twiliox.ownership import refuse_if_taken, same_friendly_name
from flex_chat_transfer.workflow.twilio_limits import QUEUE_SID, WORKSPACE_SID

TOKEN = "twiliox:taskrouter:TaskQueue"
MAX_FRIENDLY_NAME = 64
MAX_RESERVED_WORKERS = 50
TASK_ORDERS = ("FIFO", "LIFO")
# Twilio's defaults; stored when the program leaves a field out, so removing it from config puts it back.
DEFAULTS = {"target_workers": "1==1", "max_reserved_workers": 1, "task_order": "FIFO"}
FIELDS = ("workspace_sid", "friendly_name", "target_workers", "max_reserved_workers", "task_order")


def _url(workspace_sid: str, sid: str | None = None) -> str:
    base = f"{TASKROUTER}/Workspaces/{workspace_sid}/TaskQueues"
    return f"{base}/{sid}" if sid else base


def same_name(rest, workspace_sid: str, name: str) -> list[dict]:
    return same_friendly_name(rest, _url(workspace_sid), "task_queues", name)


def _failures(news: dict) -> list[Failure]:
    failures: list[Failure] = []
    workspace_sid = news.get("workspace_sid")
    if not is_unknown(workspace_sid) and not (
        isinstance(workspace_sid, str) and WORKSPACE_SID.match(workspace_sid)
    ):
        failures.append(Failure("workspace_sid", f"{workspace_sid!r} is not a WS… SID"))
    name = news.get("friendly_name")
    if not is_unknown(name) and not (
        isinstance(name, str) and name.strip() and len(name) <= MAX_FRIENDLY_NAME
    ):
        failures.append(
            Failure(
                "friendly_name",
                f"{name!r} must be 1-{MAX_FRIENDLY_NAME} characters "
                "(fix: chat-transfer:transferQueues[…].name)",
            )
        )
    target = news.get("target_workers")
    if not is_unknown(target):
        from flex_chat_transfer.workflow.expressions import ExpressionError, parse

        try:
            parse(str(target), "queue")
        except ExpressionError as error:
            failures.append(
                Failure(
                    "target_workers",
                    f"expression does not parse: {error} "
                    "(fix: chat-transfer:transferQueues[…].targetWorkers)",
                )
            )
    reserved = news.get("max_reserved_workers")
    if not is_unknown(reserved) and not (
        isinstance(reserved, int | float)
        and float(reserved).is_integer()
        and 1 <= reserved <= MAX_RESERVED_WORKERS
    ):
        failures.append(
            Failure("max_reserved_workers", f"{reserved!r} is out of range (fix: 1..{MAX_RESERVED_WORKERS})")
        )
    order = news.get("task_order")
    if not is_unknown(order) and order not in TASK_ORDERS:
        failures.append(Failure("task_order", f"{order!r} is not FIFO or LIFO"))
    return failures


def waiting_tasks(rest, workspace_sid: str, queue_sid: str) -> int:
    """Tasks still waiting in the queue for an agent (pending, or reserved and not yet accepted)."""
    url = f"{TASKROUTER}/Workspaces/{workspace_sid}/Tasks"
    query = {"TaskQueueSid": queue_sid, "AssignmentStatus": ["pending", "reserved"]}
    return len(rest.list_all(url, "tasks", query))


def refuse_if_tasks_wait(ctx: Context, workspace_sid: str, queue_sid: str, name: str) -> None:
    """Deleting a queue strands the customers waiting in it: refused, naming how many. The workflow update of
    the same `up` re-evaluates its own tasks first (ReEvaluateTasks), so what is left here came from elsewhere
    (another workflow, or a task created after the update)."""
    count = waiting_tasks(ctx.rest(), workspace_sid, queue_sid)
    if count:
        tasks = "task" if count == 1 else "tasks"
        raise Failure(
            "",
            f"task queue {name!r} ({queue_sid}) still holds {count} waiting {tasks}; deleting it would "
            "strand them (fix: let them be answered, or move them to another queue with their workflow, "
            "then run `pulumi up` again)",
        )


class TaskQueue(Kind):
    def __init__(self) -> None:
        super().__init__(
            token=TOKEN,
            description="A TaskRouter task queue the stack creates and owns.",
            inputs={
                "workspace_sid": ("string", "The workspace (WS…) the queue belongs to."),
                "friendly_name": ("string", "The queue's name; unique in the workspace (1-64 characters)."),
                "target_workers": ("string", "Which workers the queue holds (TaskRouter expression)."),
                "max_reserved_workers": ("integer", "Workers offered a task at once (1..50, default 1)."),
                "task_order": ("string", "FIFO (default) or LIFO."),
            },
            outputs={"sid": ("string", "The WQ… SID."), "found": FOUND_SCHEMA},
            required=("workspace_sid", "friendly_name"),
            replace_on=("workspace_sid",),
            id_format="WS…/WQ…",
            restorable=("friendly_name", "target_workers", "max_reserved_workers", "task_order"),
        )

    def check(self, ctx: Context, olds: dict, news: dict) -> dict:
        news = {**DEFAULTS, **{k: v for k, v in news.items() if v is not None}}
        failures = _failures(news)
        if failures:
            raise ExceptionGroup("check", failures)
        workspace_sid, name = news["workspace_sid"], news["friendly_name"]
        if olds.get("friendly_name") != name and not is_unknown(workspace_sid) and not is_unknown(name):
            self._refuse_taken(ctx, workspace_sid, name)
        return news

    def _refuse_taken(self, ctx: Context, workspace_sid: str, name: str) -> None:
        taken = same_name(ctx.rest(), workspace_sid, name)
        fix = (
            "rename the queue in chat-transfer:transferQueues, or give it by name only "
            "(no targetWorkers) to use the existing queue as it is"
        )
        refuse_if_taken(ctx, TOKEN, "task queue", workspace_sid, taken, name, fix)

    @staticmethod
    def _form(props: dict) -> dict[str, Any]:
        return {
            "FriendlyName": props["friendly_name"],
            "TargetWorkers": props.get("target_workers") or DEFAULTS["target_workers"],
            "MaxReservedWorkers": int(props.get("max_reserved_workers") or DEFAULTS["max_reserved_workers"]),
            "TaskOrder": props.get("task_order") or DEFAULTS["task_order"],
        }

    @staticmethod
    def _outputs(live: dict) -> dict:
        return {"sid": live["sid"], **{key: live.get(key) for key in FIELDS}}

    def create(self, ctx: Context, inputs: dict) -> tuple[str, dict]:
        rest = ctx.rest()
        workspace_sid, name = inputs["workspace_sid"], inputs["friendly_name"]
        self._refuse_taken(ctx, workspace_sid, name)
        # Nothing had this name a moment ago: one found after a dropped create is the one we made.
        live = rest.create(
            _url(workspace_sid),
            self._form(inputs),
            recover=lambda: next(iter(same_name(rest, workspace_sid, name)), None),
        )
        return live["sid"], self._outputs(live)

    def update(self, ctx: Context, id: str, olds: dict, news: dict) -> dict:
        # A new name is checked in Check (taken by a queue this stack does not hold: refused).
        live = ctx.rest().post(_url(news["workspace_sid"], id), self._form(news))
        return self._outputs(live)

    def read(self, ctx: Context, id: str, state: dict) -> tuple[str, dict, dict] | None:
        workspace_sid = state.get("workspace_sid")
        if "/" in id:
            workspace_sid, id = id.split("/", 1)
        if not (workspace_sid and WORKSPACE_SID.match(workspace_sid) and QUEUE_SID.match(id)):
            raise Failure("", f"import id {id!r}: expected WS…/WQ… (workspace SID / queue SID)")
        live = ctx.rest().find(_url(workspace_sid, id))
        if live is None:
            return None
        outs = self._outputs(live)
        return id, outs, {key: outs[key] for key in FIELDS}

    def give_back(self, ctx: Context, id: str, state: dict) -> None:
        live = ctx.rest().find(_url(state["workspace_sid"], id))
        if live is None:
            return
        form = self._form({**state, **(found(state) or {})})
        if form != self._form(self._outputs(live)):
            ctx.rest().post(_url(state["workspace_sid"], id), form)
        ctx.log(f"task queue {id}: put back as imported; left in place (not this stack's)")

    def delete(self, ctx: Context, id: str, state: dict) -> None:
        refuse_if_tasks_wait(ctx, state["workspace_sid"], id, state.get("friendly_name") or id)
        ctx.rest().delete(_url(state["workspace_sid"], id))
