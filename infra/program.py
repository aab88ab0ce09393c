"""What the Pulumi program establishes before it registers any resource: the spec from stack config,
credentials, the workspace and queue SIDs, the Flex configuration pre-flight and the functions pre-flight.

Every problem found here ends the run with one line, and nothing has been written by then (preview or up).
`infra/__main__.py` runs it; the fault suite runs the very same function against the sandbox for its
bad-config table, without the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twilio.rest import Client

from infra.client import CONFIG_KEYS, CredentialsError, client_from_settings, credentials_source
from infra.functions_source import FunctionsProject, PreflightError, load_project, preflight
from infra.lookup import ResolveError, check_flex_configuration, find_workspace, resolve_queues
from infra.rest import Rest, TwilioApiError
from infra.settings import DeploySettings, SettingsError, read_deploy_settings
from workflow.loader import spec_from_config
from workflow.problems import ProblemsError
from workflow.spec import ChatTransferSpec

# What `prepare` raises for a problem the user can fix; each `str()` is the one line to show.
PROGRAM_ERRORS = (
    SettingsError,
    ProblemsError,
    CredentialsError,
    ResolveError,
    PreflightError,
    TwilioApiError,
)


@dataclass(frozen=True)
class Prepared:
    spec: ChatTransferSpec
    workspace_sid: str
    queue_sids: dict[str, str]
    functions: FunctionsProject
    settings: DeploySettings
    credentials: dict[str, str]

    @property
    def build_timeout(self) -> float:
        return self.settings.build_timeout


def _checked_project(root: Path) -> FunctionsProject:
    functions = load_project(root)
    preflight(functions)
    return functions


def prepare(
    raw_config: Mapping[str, Any],
    stack: str,
    functions_dir: Path,
    client_factory: Callable[[Mapping[str, Any]], Client] = client_from_settings,
) -> Prepared:
    """`raw_config` is the whole stack config (`chat-transfer:*`, `twilio:*` keys); `client_factory` makes a
    client from the `twilio:*` credential settings (the default resolves them, or `TWILIO_*` variables)."""
    values, settings = read_deploy_settings(raw_config, stack)
    spec = spec_from_config(values, stack)
    credentials = {k: raw_config[k] for k in CONFIG_KEYS.values() if raw_config.get(k)}
    rest = Rest(client_factory(credentials))
    # The checks do not depend on each other: the Flex configuration and the functions pre-flight run beside
    # the workspace -> queues look-ups (each thread its own client); problems are still reported in the
    # order below.
    with ThreadPoolExecutor(max_workers=2) as pool:
        flex_checked = pool.submit(check_flex_configuration, Rest(client_factory(credentials)))
        loaded = pool.submit(_checked_project, functions_dir)
        workspace = find_workspace(rest, spec.workspace, credentials_source(credentials))
        queue_sids = resolve_queues(rest, workspace["sid"], queue_config_paths(spec))
        flex_checked.result()
        functions = loaded.result()
    return Prepared(spec, workspace["sid"], queue_sids, functions, settings, credentials)


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
