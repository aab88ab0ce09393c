"""TaskRouter Workflow as a dynamic resource.

The configuration is an input *dict*, so `pulumi preview --diff` shows the filter/target that changed and
the engine
compares parsed JSON (no whitespace noise). `check` runs the workflow library's schema + expression
validation,
`read` returns the live configuration so `pulumi refresh` shows console edits. An existing workflow with
exactly
the same friendly name is adopted (and left in place on destroy: we did not create it); several is an error.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pulumi
from pulumi import dynamic

from infra.providers.base import TwilioProvider, diff_inputs, is_unknown
from infra.rest import TASKROUTER

WORKSPACE_SID = re.compile(r"^WS[0-9a-fA-F]{32}$")
MAX_RESERVATION_TIMEOUT = 86_400


def _url(workspace_sid: str, sid: str | None = None) -> str:
    base = f"{TASKROUTER}/Workspaces/{workspace_sid}/Workflows"
    return f"{base}/{sid}" if sid else base


def _whole_numbers(value: Any) -> Any:
    """Pulumi's wire format carries every number as a double, so a rendered `timeout: 120` arrives as 120.0;
    send the document as rendered (TaskRouter's integer fields; the sandbox rejects 120.0)."""
    if isinstance(value, dict):
        return {key: _whole_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _outputs(live: dict, adopted: bool, inputs: dict) -> dict:
    outs = {
        "sid": live["sid"],
        "workspace_sid": live["workspace_sid"],
        "friendly_name": live["friendly_name"],
        "configuration": json.loads(live["configuration"]),
        "adopted": adopted,
    }
    if inputs.get("task_reservation_timeout") is not None:
        outs["task_reservation_timeout"] = live.get("task_reservation_timeout")
    return outs


class WorkflowProvider(TwilioProvider):
    def check(self, olds: dict, news: dict) -> dynamic.CheckResult:
        failures: list[dynamic.CheckFailure] = []
        workspace_sid = news.get("workspace_sid")
        if not is_unknown(workspace_sid) and not (
            isinstance(workspace_sid, str) and WORKSPACE_SID.match(workspace_sid)
        ):
            failures.append(
                dynamic.CheckFailure(
                    "workspace_sid",
                    f"{workspace_sid!r} is not a WS… SID (fix: pass the looked-up workspace SID)",
                )
            )
        if not news.get("friendly_name"):
            failures.append(
                dynamic.CheckFailure("friendly_name", "is empty (fix: set chat-transfer:workflowName)")
            )
        timeout = news.get("task_reservation_timeout")
        if (
            timeout is not None
            and not is_unknown(timeout)
            and not 1 <= int(timeout) <= MAX_RESERVATION_TIMEOUT
        ):
            failures.append(
                dynamic.CheckFailure(
                    "task_reservation_timeout",
                    f"{timeout} is out of range (fix: 1..{MAX_RESERVATION_TIMEOUT} seconds)",
                )
            )
        configuration = news.get("configuration")
        if not isinstance(configuration, dict):
            failures.append(
                dynamic.CheckFailure("configuration", "must be an object (fix: pass the rendered dict)")
            )
        elif not is_unknown(configuration):
            from workflow.validate import validate_configuration  # the library's schema + expression checks

            failures += [
                dynamic.CheckFailure("configuration", str(p)) for p in validate_configuration(configuration)
            ]
        return dynamic.CheckResult(news, failures)

    def diff(self, id: str, olds: dict, news: dict) -> dynamic.DiffResult:
        return diff_inputs(olds, news, replace_keys=("workspace_sid",))

    def _form(self, props: dict) -> dict[str, Any]:
        form: dict[str, Any] = {
            "FriendlyName": props["friendly_name"],
            "Configuration": json.dumps(_whole_numbers(props["configuration"]), separators=(",", ":")),
        }
        if props.get("task_reservation_timeout") is not None:
            form["TaskReservationTimeout"] = int(props["task_reservation_timeout"])
        return form

    def create(self, props: dict) -> dynamic.CreateResult:
        rest = self.rest()
        workspace_sid, name = props["workspace_sid"], props["friendly_name"]
        same_name = [
            w
            for w in rest.list_all(_url(workspace_sid), "workflows", {"FriendlyName": name})
            if w.get("friendly_name") == name
        ]
        if len(same_name) > 1:
            sids = ", ".join(w["sid"] for w in same_name)
            raise ValueError(
                f"workflow {name!r}: {len(same_name)} workflows have this name ({sids}) (fix: delete "
                "or rename the extra ones, or set chat-transfer:workflowName to a unique name)"
            )
        if same_name:
            pulumi.log.info(f"adopting existing workflow {name!r} ({same_name[0]['sid']})")
            live = rest.post(_url(workspace_sid, same_name[0]["sid"]), self._form(props))
            return dynamic.CreateResult(live["sid"], _outputs(live, True, props))
        # Nothing had this name a moment ago: one found after a dropped create is the one we made.
        live = rest.create(
            _url(workspace_sid),
            self._form(props),
            recover=lambda: next(
                (
                    w
                    for w in rest.list_all(_url(workspace_sid), "workflows", {"FriendlyName": name})
                    if w.get("friendly_name") == name
                ),
                None,
            ),
        )
        return dynamic.CreateResult(live["sid"], _outputs(live, False, props))

    def update(self, id: str, olds: dict, news: dict) -> dynamic.UpdateResult:
        live = self.rest().post(_url(news["workspace_sid"], id), self._form(news))
        return dynamic.UpdateResult(_outputs(live, bool(olds.get("adopted")), news))

    def read(self, id: str, props: dict) -> dynamic.ReadResult:
        live = self.rest().find(_url(props["workspace_sid"], id))
        if live is None:
            return dynamic.ReadResult("", {})
        outs = _outputs(live, bool(props.get("adopted")), props)
        inputs = {k: outs[k] for k in ("workspace_sid", "friendly_name", "configuration")}
        if "task_reservation_timeout" in outs:
            inputs["task_reservation_timeout"] = outs["task_reservation_timeout"]
        return dynamic.ReadResult(id, outs, inputs)

    def delete(self, id: str, props: dict) -> None:
        if props.get("adopted"):
            pulumi.log.info(f"leaving adopted workflow {id} in place (it existed before this stack)")
            return
        self.rest().delete(_url(props["workspace_sid"], id))


class Workflow(dynamic.Resource):
    sid: pulumi.Output[str]
    configuration: pulumi.Output[dict]

    def __init__(
        self,
        name: str,
        workspace_sid: pulumi.Input[str],
        friendly_name: pulumi.Input[str],
        configuration: pulumi.Input[dict],
        task_reservation_timeout: pulumi.Input[int] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "workspace_sid": workspace_sid,
            "friendly_name": friendly_name,
            "configuration": configuration,
            "task_reservation_timeout": task_reservation_timeout,
            "sid": None,
            "adopted": None,
        }
        super().__init__(WorkflowProvider(), name, props, opts)
