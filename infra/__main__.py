"""The chat-transfer Pulumi program: stack config → workflow library spec → look-ups → `ChatTransfer`.

Every problem found before any write (config, credentials, unknown queues, functions that do not parse)
ends the
run with one line per problem; nothing has been written by then, in preview as in up.
"""

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pulumi
import requests
from pulumi.runtime.config import CONFIG, get_config_env

from infra.client import CONFIG_KEYS, CredentialsError, client_from_settings
from infra.component import ChatTransfer
from infra.functions_source import FunctionsProject, PreflightError, load_project, preflight
from infra.lookup import ResolveError, check_flex_configuration, find_workspace, resolve_queues
from infra.rest import Rest, TwilioApiError
from infra.settings import SettingsError, config_values, split_deploy_settings
from workflow.loader import spec_from_config
from workflow.problems import ProblemsError

# The functions project to deploy; CHAT_TRANSFER_FUNCTIONS_DIR points tests and tools at a copy.
FUNCTIONS_DIR = Path(
    os.environ.get("CHAT_TRANSFER_FUNCTIONS_DIR") or Path(__file__).resolve().parents[1] / "functions"
)


def _checked_project(root: Path) -> FunctionsProject:
    functions = load_project(root)
    preflight(functions)
    return functions


def main() -> None:
    raw_config = {**get_config_env(), **CONFIG.get()}
    try:
        values, build_timeout = split_deploy_settings(config_values(raw_config))
        spec = spec_from_config(values, pulumi.get_stack())
        credentials = {k: raw_config[k] for k in CONFIG_KEYS.values() if raw_config.get(k)}
        rest = Rest(client_from_settings(credentials))
        # The checks do not depend on each other: the Flex configuration and the functions pre-flight run
        # beside the workspace -> queues look-ups (each thread its own client); problems are still
        # reported in the order below.
        with ThreadPoolExecutor(max_workers=2) as pool:
            flex_checked = pool.submit(check_flex_configuration, Rest(client_from_settings(credentials)))
            loaded = pool.submit(_checked_project, FUNCTIONS_DIR)
            workspace = find_workspace(rest, spec.workspace)
            queue_sids = resolve_queues(rest, workspace["sid"], spec.queue_names())
            flex_checked.result()
            functions = loaded.result()
    except (
        SettingsError,
        ProblemsError,
        CredentialsError,
        ResolveError,
        PreflightError,
        TwilioApiError,
    ) as error:
        raise pulumi.RunError(str(error)) from None
    except requests.RequestException as error:
        target = os.environ.get("TWILIO_SANDBOX_URL") or "twilio.com"
        raise pulumi.RunError(
            f"twilio: no answer from {target} after retries ({type(error).__name__}) "
            "(fix: check the network, or that the sandbox is running when TWILIO_SANDBOX_URL is set)"
        ) from None

    chat_transfer = ChatTransfer(
        "chat-transfer", spec, workspace["sid"], queue_sids, functions, build_timeout
    )
    pulumi.export("workflowSid", chat_transfer.workflow.id)
    pulumi.export("serviceSid", chat_transfer.service.id)
    pulumi.export("environmentSid", chat_transfer.environment.id)
    pulumi.export("domainName", chat_transfer.environment.domain_name)
    pulumi.export("functionUrls", chat_transfer.function_urls)


main()
