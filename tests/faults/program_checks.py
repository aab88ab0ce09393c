"""The Pulumi program's pre-write checks (infra/__main__.py `main`, in the same order, on the same functions)
run against a sandbox without the engine, so dozens of bad stack configs cost milliseconds each. A handful of
cases also go through the real engine (test_faults_engine.py) to prove the program itself answers the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from infra.client import CONFIG_KEYS, CredentialsError, make_client, resolve_credentials
from infra.functions_source import PreflightError, load_project, preflight
from infra.lookup import ResolveError, check_flex_configuration, find_workspace, resolve_queues
from infra.rest import Rest, TwilioApiError
from infra.settings import SettingsError, config_values, split_deploy_settings
from workflow.loader import spec_from_config
from workflow.problems import ProblemsError

PROGRAM_ERRORS = (
    SettingsError,
    ProblemsError,
    CredentialsError,
    ResolveError,
    PreflightError,
    TwilioApiError,
)


def run_program_checks(
    raw_config: Mapping[str, Any], stack: str, functions_dir: Path, env: Mapping[str, str]
) -> str | None:
    """None when the program would go on to write; else the error text it ends the run with."""
    try:
        values, _ = split_deploy_settings(config_values(raw_config))
        spec = spec_from_config(values, stack)
        settings = {k: raw_config[k] for k in CONFIG_KEYS.values() if raw_config.get(k)}
        rest = Rest(_client(settings, env))
        workspace = find_workspace(rest, spec.workspace)
        resolve_queues(rest, workspace["sid"], spec.queue_names())
        check_flex_configuration(rest)
        preflight(load_project(functions_dir))
    except PROGRAM_ERRORS as error:
        return str(error)
    return None


def _client(settings: Mapping[str, Any], env: Mapping[str, str]):
    """`client_from_settings`, with the `TWILIO_*` fallback read from `env` instead of os.environ."""
    creds = resolve_credentials(settings, env)
    return make_client(
        creds.username,
        creds.password,
        creds.account_sid or None,
        sandbox_url=env.get("TWILIO_SANDBOX_URL"),
        max_retries=0,
    )
