"""`chat-transfer:functions.attachTo`: the Functions service and environment that already serve the feature's
functions in this account (flex-project-template's `custom-flex-extensions-serverless`, say).

The program finds them before anything is written and checks that the environment serves the three paths the
Flex plugin calls, and that no other stack of the project has claimed the environment (infra/claims.py). The
stack then manages only its variables there; see infra/component.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flex_chat_transfer.infra.claims import held_elsewhere, held_line
from flex_chat_transfer.infra.rest import SERVERLESS, Rest, find_environment
from flex_chat_transfer.workflow.spec import AttachTo

# The paths the conversation-transfer plugin calls (functions/README.md).
PLUGIN_PATHS = (
    "/features/conversation-transfer/flex/invite-participant",
    "/features/conversation-transfer/flex/remove-participant",
    "/common/flex/conversations/update-attributes",
)
CONFIG_KEY = "chat-transfer:functions.attachTo"


class AttachError(ValueError):
    """A problem with functions.attachTo; `str()` is the one line to show."""


@dataclass(frozen=True)
class Attached:
    service_sid: str
    environment_sid: str
    domain_name: str


def find_attached(rest: Rest, target: AttachTo, ui_attributes: Mapping[str, Any], me: str) -> Attached:
    """The service and environment `target` names, checked: they exist, the environment serves the plugin's
    paths, and no other stack claims it. Reads only."""
    service = rest.find(f"{SERVERLESS}/Services/{target.service}")
    if service is None:
        raise AttachError(
            f"{CONFIG_KEY}.service: no Functions service {target.service!r} in this account (fix: the unique "
            "name or ZS… SID of the service that serves the feature's functions)"
        )
    environment = find_environment(rest, service["sid"], target.environment)
    if environment is None:
        environments = rest.list_all(f"{SERVERLESS}/Services/{service['sid']}/Environments", "environments")
        names = ", ".join(sorted(e["unique_name"] for e in environments)) or "none"
        raise AttachError(
            f"{CONFIG_KEY}.environment: service {service['unique_name']} ({service['sid']}) has no "
            f"environment {target.environment!r} (fix: one of its environments: {names})"
        )
    held = held_elsewhere(ui_attributes, [environment["sid"]], me)
    if held is not None:
        raise AttachError(held_line(CONFIG_KEY, *held, "not attached"))
    missing = [path for path in PLUGIN_PATHS if path not in served_paths(rest, service["sid"], environment)]
    if missing:
        raise AttachError(
            f"{CONFIG_KEY}: environment {environment['unique_name']} ({environment['sid']}) of service "
            f"{service['unique_name']} does not serve {', '.join(missing)}, which the Flex plugin calls; "
            "nothing was written (fix: deploy the feature's functions there first, or remove "
            "functions.attachTo to deploy this project's own)"
        )
    return Attached(service["sid"], environment["sid"], environment["domain_name"])


def served_paths(rest: Rest, service_sid: str, environment: Mapping[str, Any]) -> set[str]:
    """The function paths the environment's live build serves."""
    build_sid = environment.get("build_sid")
    if not build_sid:
        return set()
    build = rest.get(f"{SERVERLESS}/Services/{service_sid}/Builds/{build_sid}")
    return {v.get("path") for v in build.get("function_versions") or []}
