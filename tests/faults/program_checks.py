"""The Pulumi program's pre-write checks (`flex_chat_transfer.infra.program.prepare`, the very function
`infra/__main__.py` runs) against a sandbox without the engine, so dozens of bad stack configs cost
milliseconds each. A handful of cases also go through the real engine (test_faults_engine_inputs.py) to prove
the program answers the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flex_chat_transfer.infra.client import make_client, resolve_credentials
from flex_chat_transfer.infra.program import PROGRAM_ERRORS, prepare


def run_program_checks(
    raw_config: Mapping[str, Any], stack: str, functions_dir: Path, env: Mapping[str, str]
) -> str | None:
    """None when the program would go on to write; else the error text it ends the run with."""
    try:
        prepare(raw_config, stack, functions_dir, client_factory=lambda settings: _client(settings, env))
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
