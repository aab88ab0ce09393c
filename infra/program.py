"""What the Pulumi program establishes before it registers any resource: the stack's settings (read once by
`flex_chat_transfer.workflow.loader.read_stack_config`), the workspace and queue SIDs, the Flex configuration
pre-flight and the functions pre-flight.

Every problem found here ends the run with one line, and nothing has been written by then (preview or up).
`infra/__main__.py` runs it; the fault suite runs the very same function against the sandbox for its
bad-config table, without the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from twilio.rest import Client

from flex_chat_transfer.infra.account_pin import current_account
from flex_chat_transfer.infra.attach import Attached, AttachError, find_attached
from flex_chat_transfer.infra.client import CredentialsError, client_from_settings, credentials_source
from flex_chat_transfer.infra.component import FLEX_DOMAIN_PATH
from flex_chat_transfer.infra.functions_source import (
    FunctionsProject,
    PreflightError,
    load_project,
    preflight,
)
from flex_chat_transfer.infra.lookup import (
    ResolveError,
    check_flex_configuration,
    find_workspace,
    list_queues,
    match_queues,
    remember_workspace,
    remembered_workspace,
)
from flex_chat_transfer.infra.ownership_policy import UNKNOWN, conflicts
from flex_chat_transfer.infra.plugin_preflight import PluginError, PreparedPlugin, prepare_plugin
from flex_chat_transfer.infra.rest import SERVERLESS, Rest, TwilioApiError, find_environment
from flex_chat_transfer.infra.twilio_constants import sandbox_url
from flex_chat_transfer.workflow.loader import read_stack_config
from flex_chat_transfer.workflow.problems import ProblemsError
from flex_chat_transfer.workflow.spec import ChatTransferSpec, StackSettings
from flex_chat_transfer.workflow.twilio_limits import WORKSPACE_SID

# What `prepare` raises for a problem the user can fix; each `str()` is the one line to show.
PROGRAM_ERRORS = (
    ProblemsError,
    CredentialsError,
    ResolveError,
    PreflightError,
    TwilioApiError,
    AttachError,
    PluginError,
)


@dataclass(frozen=True)
class Prepared:
    spec: ChatTransferSpec
    workspace_sid: str
    queue_sids: dict[str, str]
    functions: FunctionsProject | None  # None: attached to functions the stack does not deploy
    settings: StackSettings
    # Who holds the functions' domain key in Flex configuration when it is not this stack's (else None).
    flex_domain_holder: str | None = None
    attached: Attached | None = None
    # The key already names the attached environment's domain: left as it is.
    domain_already_set: bool = False
    plugin: PreparedPlugin | None = None  # chat-transfer:plugin, its version decided

    @property
    def build_timeout(self) -> float:
        return self.settings.build_timeout

    @property
    def flex_domain_key(self) -> str | None:
        """The Flex key this stack sets to its functions' domain, or None when it leaves the key alone."""
        if self.flex_domain_holder or self.domain_already_set:
            return None
        return self.settings.flex_domain_key

    @property
    def credentials(self) -> dict[str, str]:
        return self.settings.credentials


def _checked_project(root: Path) -> FunctionsProject:
    functions = load_project(root)
    preflight(functions)
    return functions


def prepare(
    raw_config: Mapping[str, Any],
    stack: str,
    functions_dir: Path,
    client_factory: Callable[[Mapping[str, Any]], Client] = client_from_settings,
    project: str = "chat-transfer",
) -> Prepared:
    """`raw_config` is the whole stack config (`chat-transfer:*`, `twilio:*` keys); `client_factory` makes a
    client from the `twilio:*` credential settings (the default resolves them, or `TWILIO_*` variables)."""
    return prepare_settings(
        read_stack_config(raw_config, stack), stack, functions_dir, client_factory, project
    )


def prepare_settings(
    settings: StackSettings,
    stack: str,
    functions_dir: Path,
    client_factory: Callable[[Mapping[str, Any]], Client] = client_from_settings,
    project: str = "chat-transfer",
    project_dir: Path | None = None,
) -> Prepared:
    """`prepare` for settings already read (the program reads them before it registers the provider)."""
    owner = f"{project}/{stack}"  # how the Flex owner records name this stack
    spec, credentials = settings.spec, settings.credentials
    rest = Rest(client_factory(credentials))
    # The checks do not depend on each other: the Flex configuration and the functions pre-flight run beside
    # the workspace -> queues look-ups (each thread its own client); problems are still reported in the
    # order below. The queues of the workspace SID this name had last time are listed beside the workspace
    # look-up; they are used only when Twilio confirms that SID (else listed again: a wasted read, no more).
    by_sid = bool(WORKSPACE_SID.match(spec.workspace))
    memory_key = "" if by_sid else workspace_memory_key(credentials, spec.workspace)
    guess = spec.workspace if by_sid else remembered_workspace(memory_key) if memory_key else None
    with ThreadPoolExecutor(max_workers=3) as pool:
        flex_checked = pool.submit(check_flex_configuration, Rest(client_factory(credentials)))
        attach_to = spec.functions.attach_to
        loaded = pool.submit(_checked_project, functions_dir) if attach_to is None else None
        early = pool.submit(list_queues, Rest(client_factory(credentials)), guess) if guess else None
        workspace = find_workspace(rest, spec.workspace, credentials_source(credentials))
        queues = None
        if early is not None and workspace["sid"] == guess:
            # A failed early listing is repeated below, so the failure is reported from the real call.
            with suppress(TwilioApiError, requests.RequestException):
                queues = early.result()
        if queues is None:
            queues = list_queues(rest, workspace["sid"])
        queue_sids = match_queues(queues, workspace["sid"], queue_config_paths(spec))
        flex = flex_checked.result()
        functions = loaded.result() if loaded is not None else None
    if memory_key:
        remember_workspace(memory_key, workspace["sid"])
    attached = None
    already = False
    if attach_to is not None:
        ui = flex.get("ui_attributes") or {}
        attached = find_attached(rest, attach_to, ui, owner)
        custom = ui.get("custom_data") if isinstance(ui.get("custom_data"), dict) else {}
        already = custom.get(settings.flex_domain_key) == attached.domain_name
    holder = None
    if not settings.flex_take_over and not already:
        holder = domain_key_holder(flex, settings.flex_domain_key, owner)
    if holder is not None and attached is None:
        # An imported environment (adopting flex-project-template's service): the key may already name it.
        already = names_own_environment(rest, flex, settings.flex_domain_key, spec)
        holder = None if already else holder
    plugin = None
    if settings.plugin is not None:
        plugin = prepare_plugin(rest, settings.plugin, project_dir or Path.cwd(), owner)
    return Prepared(
        spec, workspace["sid"], queue_sids, functions, settings, holder, attached, already, plugin
    )


def domain_key_holder(configuration: Mapping[str, Any], key: str, owner: str) -> str | None:
    """`<path>.<key> (<who>)` when the key holds a value this stack did not set (another stack's domain, or a
    hand edit): two stacks of one account deploy side by side, but only one Flex UI domain key can point at
    one of them. None when the key is free or already this stack's."""
    taken = conflicts(configuration.get("ui_attributes") or {}, FLEX_DOMAIN_PATH, {key: UNKNOWN}, owner)
    return taken[0] if taken else None


def names_own_environment(
    rest: Rest, configuration: Mapping[str, Any], key: str, spec: ChatTransferSpec
) -> bool:
    """True when the Flex key holds the domain of the environment this stack deploys to (it exists already:
    the stack imported it). Reads only."""
    custom = (configuration.get("ui_attributes") or {}).get("custom_data") or {}
    service = rest.find(f"{SERVERLESS}/Services/{spec.functions.service_name}")
    if service is None or not isinstance(custom, Mapping):
        return False
    environment = find_environment(rest, service["sid"], spec.functions.environment)
    return environment is not None and environment.get("domain_name") == custom.get(key)


def domain_left_line(holder: str) -> str:
    return (
        f"flex configuration: {holder} is not this stack's; left as it is, so the Flex plugin keeps calling "
        "those functions (fix: set chat-transfer:flexTakeOver to true to point it at this stack's, or "
        "chat-transfer:flex.domainKey to a key of its own)"
    )


def queue_config_paths(spec: ChatTransferSpec) -> dict[str, str]:
    """Every queue name to look up → the first config key naming it (for "not found" lines). A queue the
    stack declares (targetWorkers) is not looked up: the workflow takes its SID from the resource."""
    paths = {spec.worker_transfer_queue: "chat-transfer:workerTransferQueue"}
    for index, queue in enumerate(spec.transfer_queues):
        paths.setdefault(queue.name, f"chat-transfer:transferQueues[{index}]")
        if queue.fallback_queue is not None:
            paths.setdefault(queue.fallback_queue, f"chat-transfer:transferQueues[{index}].fallbackQueue")
    if spec.default_queue is not None:
        paths.setdefault(spec.default_queue, "chat-transfer:defaultQueue")
    declared = {queue.name for queue in spec.declared_queues()}
    return {name: path for name, path in paths.items() if name not in declared}


def workspace_memory_key(credentials: Mapping[str, str], workspace: str) -> str:
    """Which remembered workspace SID applies: the account (stack config or TWILIO_ACCOUNT_SID), the API
    host (the sandbox's URL when one is set) and the workspace's name; "" when the account is unknown."""
    account = current_account(credentials)
    if not account:
        return ""
    host = sandbox_url() or "twilio.com"
    return f"{account}|{host}|{workspace}"
