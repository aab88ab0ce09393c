"""TaskRouter Workflow (`twiliox:taskrouter:Workflow`). Import id: `WS…/WW…` (workspace SID / workflow SID).

`configuration` is an object, so `pulumi preview --diff` shows the filter or target that changed. Check runs
the workflow library's schema and expression validation.

A key removed from config puts Twilio's default back on the live workflow (`DEFAULTS`: Check fills it in when
the stack had set the key, so preview shows e.g. `task_reservation_timeout: 100 => 120`). An update that
changes the configuration sends `ReEvaluateTasks=true`: tasks already waiting go through the new routing
instead of staying in a queue it no longer uses (twilio-api.md §1 Workflow). An imported workflow keeps what
it held at import (`found`); destroy puts that back and leaves it in place."""

from __future__ import annotations

import json
from typing import Any

from flex_chat_transfer.infra.rest import TASKROUTER
from flex_chat_transfer.infra.twiliox.base import (
    FOUND_SCHEMA,
    Context,
    Failure,
    Kind,
    carried,
    found,
    is_unknown,
)
from flex_chat_transfer.infra.twiliox.ownership import refuse_if_taken, same_friendly_name
from flex_chat_transfer.workflow.twilio_limits import MAX_RESERVATION_TIMEOUT, WORKFLOW_SID, WORKSPACE_SID

TOKEN = "twiliox:taskrouter:Workflow"
# Twilio's defaults for the optional inputs (Workflow API: TaskReservationTimeout defaults to 120 s).
DEFAULTS = {"task_reservation_timeout": 120}


def _url(workspace_sid: str, sid: str | None = None) -> str:
    base = f"{TASKROUTER}/Workspaces/{workspace_sid}/Workflows"
    return f"{base}/{sid}" if sid else base


def same_name(rest, workspace_sid: str, name: str) -> list[dict]:
    return same_friendly_name(rest, _url(workspace_sid), "workflows", name)


def with_removed_defaults(olds: dict, news: dict) -> dict:
    """`news` with Twilio's default for each optional input the stack had set and config no longer sets:
    removing the key resets the live value, and the diff shows that change."""
    filled = {k: v for k, v in DEFAULTS.items() if news.get(k) is None and olds.get(k) is not None}
    return {**news, **filled} if filled else news


class Workflow(Kind):
    def __init__(self) -> None:
        super().__init__(
            token=TOKEN,
            description="A TaskRouter workflow.",
            inputs={
                "workspace_sid": ("string", "The workspace (WS…) the workflow belongs to."),
                "friendly_name": ("string", "The workflow's name; unique among what this stack holds."),
                "configuration": ("object", "The workflow configuration document (task_routing…)."),
                "task_reservation_timeout": ("integer", "Seconds a reservation waits (1..86400)."),
            },
            outputs={
                "sid": ("string", "The WW… SID."),
                "adopted": ("boolean", "Legacy: never deleted."),
                "found": FOUND_SCHEMA,
            },
            required=("workspace_sid", "friendly_name", "configuration"),
            replace_on=("workspace_sid",),
            id_format="WS…/WW…",
            restorable=("friendly_name", "configuration", "task_reservation_timeout"),
        )

    def check(self, ctx: Context, olds: dict, news: dict) -> dict:
        news = with_removed_defaults(olds, news)
        failures: list[Failure] = []
        workspace_sid = news.get("workspace_sid")
        if not is_unknown(workspace_sid) and not (
            isinstance(workspace_sid, str) and WORKSPACE_SID.match(workspace_sid)
        ):
            failures.append(Failure("workspace_sid", f"{workspace_sid!r} is not a WS… SID"))
        name = news.get("friendly_name")
        if not name:
            failures.append(Failure("friendly_name", "is empty (fix: set chat-transfer:workflowName)"))
        timeout = news.get("task_reservation_timeout")
        if (
            timeout is not None
            and not is_unknown(timeout)
            and not 1 <= int(timeout) <= MAX_RESERVATION_TIMEOUT
        ):
            failures.append(
                Failure(
                    "task_reservation_timeout",
                    f"{timeout} is out of range (fix: 1..{MAX_RESERVATION_TIMEOUT} seconds)",
                )
            )
        configuration = news.get("configuration")
        if not isinstance(configuration, dict):
            failures.append(Failure("configuration", "must be an object"))
        elif not is_unknown(configuration) and configuration != olds.get("configuration"):
            # Validated when it was stored; only a new or changed configuration needs the parser again.
            from flex_chat_transfer.workflow.validate import validate_configuration

            failures += [Failure("configuration", str(p)) for p in validate_configuration(configuration)]
        if failures:
            raise ExceptionGroup("check", failures)
        if olds.get("friendly_name") != name and not is_unknown(workspace_sid) and not is_unknown(name):
            self._refuse_taken(ctx, workspace_sid, name)
        return news

    def _refuse_taken(self, ctx: Context, workspace_sid: str, name: str) -> None:
        taken = same_name(ctx.rest(), workspace_sid, name)
        fix = "set chat-transfer:workflowName to another name"
        refuse_if_taken(ctx, TOKEN, "workflow", workspace_sid, taken, name, fix)

    @staticmethod
    def _form(props: dict) -> dict[str, Any]:
        form: dict[str, Any] = {
            "FriendlyName": props["friendly_name"],
            "Configuration": json.dumps(props["configuration"], separators=(",", ":")),
        }
        if props.get("task_reservation_timeout") is not None:
            form["TaskReservationTimeout"] = int(props["task_reservation_timeout"])
        return form

    @staticmethod
    def _outputs(live: dict, inputs: dict, adopted: bool = False) -> dict:
        outs = {
            "sid": live["sid"],
            "workspace_sid": live["workspace_sid"],
            "friendly_name": live["friendly_name"],
            "configuration": json.loads(live["configuration"]),
        }
        if adopted:
            outs["adopted"] = True
        if inputs.get("task_reservation_timeout") is not None:
            outs["task_reservation_timeout"] = live.get("task_reservation_timeout")
        return outs

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
        return live["sid"], self._outputs(live, inputs)

    def update(self, ctx: Context, id: str, olds: dict, news: dict) -> dict:
        adopted = bool(olds.get("adopted"))
        if not self.changed(olds, news):  # state from the old dynamic provider: nothing to send
            return carried(id, news, adopted)
        form = self._form(news)
        if olds.get("configuration") != news.get("configuration"):
            form["ReEvaluateTasks"] = "true"  # waiting tasks follow the new routing, none is stranded
        live = ctx.rest().post(_url(news["workspace_sid"], id), form)
        return self._outputs(live, news, adopted)

    def read(self, ctx: Context, id: str, state: dict) -> tuple[str, dict, dict] | None:
        workspace_sid = state.get("workspace_sid")
        if "/" in id:
            workspace_sid, id = id.split("/", 1)
        if not (workspace_sid and WORKSPACE_SID.match(workspace_sid) and WORKFLOW_SID.match(id)):
            raise Failure("", f"import id {id!r}: expected WS…/WW… (workspace SID / workflow SID)")
        live = ctx.rest().find(_url(workspace_sid, id))
        if live is None:
            return None
        outs = self._outputs(live, {"task_reservation_timeout": state.get("task_reservation_timeout", 1)})
        if state.get("adopted"):
            outs["adopted"] = True
        inputs = {k: outs[k] for k in ("workspace_sid", "friendly_name", "configuration")}
        if state and state.get("task_reservation_timeout") is None:
            outs.pop("task_reservation_timeout", None)
        elif outs.get("task_reservation_timeout") is not None:
            inputs["task_reservation_timeout"] = outs["task_reservation_timeout"]
        return id, outs, inputs

    def give_back(self, ctx: Context, id: str, state: dict) -> None:
        url = _url(state["workspace_sid"], id)
        live = ctx.rest().find(url)
        if live is None:
            return
        now = {
            "friendly_name": live["friendly_name"],
            "configuration": json.loads(live["configuration"]),
            "task_reservation_timeout": live.get("task_reservation_timeout"),
        }
        before = found(state) or {}
        if any(now.get(k) != v for k, v in before.items()):
            form = self._form({**now, **before})
            if now["configuration"] != before.get("configuration"):
                form["ReEvaluateTasks"] = "true"  # waiting tasks follow the routing put back
            ctx.rest().post(url, form)
        ctx.log(f"workflow {id}: name and routing put back as imported; left in place (not this stack's)")

    def delete(self, ctx: Context, id: str, state: dict) -> None:
        if state.get("adopted"):
            ctx.log(f"leaving workflow {id} in place (the old version adopted it; it predates this stack)")
            return
        ctx.rest().delete(_url(state["workspace_sid"], id))
