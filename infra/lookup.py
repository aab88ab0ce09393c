"""Deploy-time look-ups, run by the program in preview too, before anything is written: the workspace by
friendly name or SID, and every queue name the spec refers to → its `WQ…` SID. Missing or ambiguous names
fail with one line naming the name."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from flex_chat_transfer.infra.cache import cache_root, read_json, write_atomically
from flex_chat_transfer.infra.client import CredentialsError
from flex_chat_transfer.infra.ownership_policy import (
    CONFIGURATION_URL,
    NATIVE_TRANSFERS_MESSAGE,
    native_transfers_enabled,
)
from flex_chat_transfer.infra.rest import TASKROUTER, Rest, TwilioApiError
from flex_chat_transfer.workflow.twilio_limits import WORKSPACE_SID


class ResolveError(ValueError):
    """A name that resolves to nothing or to several things."""


def find_workspace(rest: Rest, workspace: str, source: str = "") -> dict:
    """The program's first Twilio call: refused credentials end the run with one line, not a traceback."""
    try:
        return _find_workspace(rest, workspace)
    except TwilioApiError as error:
        if error.status not in (401, 403):
            raise
        raise CredentialsError(
            f"twilio credentials: Twilio refused the credentials from {source or 'the stack'} ({error}) "
            "(fix: check them for this account: twilio:accountSid and twilio:authToken in stack config, "
            "or TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN)"
        ) from None


def _find_workspace(rest: Rest, workspace: str) -> dict:
    if WORKSPACE_SID.match(workspace):
        found = rest.find(f"{TASKROUTER}/Workspaces/{workspace}")
        if found is None:
            raise ResolveError(
                f"chat-transfer:workspace: workspace {workspace} not found in this account "
                "(fix: use the SID or friendly name of the Flex workspace)"
            )
        return found
    matches = [
        w
        for w in rest.list_all(f"{TASKROUTER}/Workspaces", "workspaces", {"FriendlyName": workspace})
        if w["friendly_name"] == workspace
    ]
    if not matches:
        raise ResolveError(
            f"chat-transfer:workspace: no workspace named {workspace!r} "
            "(fix: set chat-transfer:workspace to the Flex workspace's friendly name or WS… SID)"
        )
    if len(matches) > 1:
        sids = ", ".join(w["sid"] for w in matches)
        raise ResolveError(
            f"chat-transfer:workspace: {len(matches)} workspaces are named {workspace!r} ({sids}) "
            "(fix: set chat-transfer:workspace to the WS… SID)"
        )
    return matches[0]


MAX_LISTED_PROBLEMS = 20


def list_queues(rest: Rest, workspace_sid: str) -> list[dict]:
    return rest.list_all(f"{TASKROUTER}/Workspaces/{workspace_sid}/TaskQueues", "task_queues")


def match_queues(
    queues: list[dict], workspace_sid: str, names: Mapping[str, str] | Iterable[str]
) -> dict[str, str]:
    """Queue name → SID for every name among the workspace's `queues`; all problems reported at once, one
    line each (the first MAX_LISTED_PROBLEMS, then how many more). `names` maps each name to the config key
    naming it."""
    paths = dict(names) if isinstance(names, Mapping) else {name: "" for name in names}
    by_name: dict[str, list[str]] = {}
    for queue in queues:
        by_name.setdefault(queue["friendly_name"], []).append(queue["sid"])
    resolved: dict[str, str] = {}
    problems: list[str] = []
    for name, path in paths.items():
        sids = by_name.get(name, [])
        where = f"{path}: " if path else ""
        if len(sids) == 1:
            resolved[name] = sids[0]
        elif not sids:
            problems.append(
                f"{where}queue {name!r}: not found in workspace {workspace_sid} (fix: create the TaskQueue "
                "or correct the name in chat-transfer:transferQueues / workerTransferQueue)"
            )
        else:
            problems.append(
                f"{where}queue {name!r}: {len(sids)} queues have this name ({', '.join(sids)}) "
                "(fix: rename the duplicates)"
            )
    if problems:
        shown = problems[:MAX_LISTED_PROBLEMS]
        if len(problems) > len(shown):
            shown.append(f"... and {len(problems) - len(shown)} more queue problems like these")
        raise ResolveError("\n".join(shown))
    return resolved


MIN_FLEX_UI_MAJOR = 2


def flex_ui_major(ui_version: object) -> int | None:
    """The major version of a Flex `ui_version` ("~1.34", "1.34.2", "^2.4", "~2.x"); None if it has none."""
    if not isinstance(ui_version, str):
        return None
    found = re.match(r"^\s*[~^=v]*\s*(\d{1,4})(?:\.|$)", ui_version)
    return int(found.group(1)) if found else None


def check_flex_configuration(rest: Rest) -> dict:
    """The Flex configuration, refused when its UI is older than 2.x (the feature needs Flex Conversations) or
    native messaging transfers are on (they cannot run together with this feature); checked here so preview
    fails before anything is written."""
    configuration = rest.get(CONFIGURATION_URL)
    ui_version = configuration.get("ui_version")
    major = flex_ui_major(ui_version)
    if major is not None and major < MIN_FLEX_UI_MAJOR:
        raise ResolveError(
            f"flex configuration: ui_version is {str(ui_version)[:40]!r}, Flex UI {major}.x; the "
            "chat-transfer feature needs Flex UI 2.x (Flex Conversations); nothing was written "
            "(fix: upgrade Flex UI to 2.x in Flex Admin > Versions, then run again)"
        )
    if native_transfers_enabled(configuration.get("ui_attributes") or {}):
        raise ResolveError(NATIVE_TRANSFERS_MESSAGE)
    return configuration


# How many workspaces `remembered_workspace` keeps (one per account, sandbox and workspace name).
REMEMBERED_WORKSPACES = 64


def _memory_file() -> Path:
    return cache_root() / "workspaces.json"


def _memory() -> dict[str, str]:
    data = read_json(_memory_file())
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, str) and WORKSPACE_SID.match(v)}


def remembered_workspace(key: str) -> str | None:
    """The SID the workspace named in `key` had last time, if any: only a guess, to start the queue
    look-up beside the workspace look-up; the caller checks it against what Twilio answers."""
    return _memory().get(key)


def remember_workspace(key: str, sid: str) -> None:
    """Keeps `key` → `sid` for the next run (the least recently remembered go first)."""
    memory = _memory()
    if memory.get(key) == sid:
        return
    memory.pop(key, None)
    memory[key] = sid
    write_atomically(_memory_file(), json.dumps(dict(list(memory.items())[-REMEMBERED_WORKSPACES:])))
