"""The chat-transfer Pulumi program: stack config → `infra.program.prepare` (spec, look-ups, pre-flight) →
`ChatTransfer`.

Every problem found before any write (config, credentials, unknown queues, functions that do not parse)
ends the run with one line per problem; nothing has been written by then, in preview as in up.
"""

import asyncio
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pulumi
from pulumi.runtime.config import CONFIG, get_config_env

from infra.registration import checked_first

# Only what registering the provider needs is imported here: the engine starts the provider plugin when the
# provider is registered, and the rest of the program's imports (~0.1 s) then run beside that start.
from infra.twiliox import CONFIG_KEYS, DEFAULT_CONCURRENCY, MAX_CONCURRENCY, PROVIDER_NAME
from infra.twiliox.resources import Provider

# The functions project to deploy; CHAT_TRANSFER_FUNCTIONS_DIR points tests and tools at a copy.
T = TypeVar("T")
FUNCTIONS_DIR = Path(
    os.environ.get("CHAT_TRANSFER_FUNCTIONS_DIR") or Path(__file__).resolve().parents[1] / "functions"
)


def account_provider(raw_config: dict, pinned: str) -> Provider:
    """One explicit provider for the account (the credentials in its state are secrets, encrypted). Registered
    before the pre-write checks, so the engine starts the plugin while the program looks things up; a
    provider entry writes nothing to Twilio."""
    credentials = {key: raw_config[key] for key in CONFIG_KEYS.values() if raw_config.get(key)}
    try:
        concurrency = int(raw_config.get("twilio:concurrency") or DEFAULT_CONCURRENCY)
    except (TypeError, ValueError):
        concurrency = DEFAULT_CONCURRENCY  # prepare() reports it
    stack, project = pulumi.get_stack(), pulumi.get_project()
    return Provider(
        PROVIDER_NAME,
        account_sid=credentials.get("twilio:accountSid"),
        auth_token=credentials.get("twilio:authToken"),
        api_key=credentials.get("twilio:apiKey"),
        api_secret=credentials.get("twilio:apiSecret"),
        concurrency=min(max(concurrency, 1), MAX_CONCURRENCY),
        pinned_account_sid=pinned or None,
        checked_first=checked_first(raw_config),
        # A stack deployed by the dynamic-provider version: its resources name the default pulumi-python
        # provider; mapping that provider onto this one lets them upgrade in place (no provider change).
        opts=pulumi.ResourceOptions(
            aliases=[f"urn:pulumi:{stack}::{project}::pulumi:providers:pulumi-python::default"]
        ),
    )


def beside_the_engine(work: Callable[[], T]) -> T:
    """Run blocking `work` in a thread while the program's event loop keeps going, so registrations already
    made (the provider: the engine starts its plugin) reach the engine meanwhile instead of after `work`.
    `_sync_await` is the SDK's own way of waiting inside the running loop (it pumps the loop)."""
    from pulumi.runtime.sync_await import _sync_await

    return _sync_await(asyncio.get_event_loop().run_in_executor(None, work))


# The exit code that tells the language host the failure is already reported (the engine's own line).
EXIT_ALREADY_REPORTED = 32


def stopped_by_engine(*_: object) -> None:
    """The engine stops the program with SIGINT once the update has failed elsewhere (a refused Check): it
    has said why, so the program leaves without a KeyboardInterrupt traceback of what it waited on."""
    sys.stderr.flush()
    os._exit(EXIT_ALREADY_REPORTED)


def prepare_for(raw_config: dict, stack: str, project: str):  # -> infra.program.Prepared
    """The look-ups and pre-flight, with the imports they need (~0.15 s): run beside the engine, so the
    stack's and the provider's registrations go out first and the plugin starts meanwhile."""
    from infra.program import prepare

    return prepare(raw_config, stack, FUNCTIONS_DIR, project=project)


def pinned_account(raw_config: dict) -> str:
    """The account this stack is pinned to: the one its last run exported (read back from its own state
    before any Twilio call), else the one its credentials name now. Credentials of another account end the
    run here, in one line (infra/account_pin.py)."""
    from pulumi.runtime.sync_await import _sync_await

    from infra.account_pin import OUTPUT, current_account, pin_problem

    me = pulumi.StackReference(
        f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}",
        opts=pulumi.ResourceOptions(retain_on_delete=True),
    )
    previous = _sync_await(me.get_output(OUTPUT).future())
    if isinstance(previous, str) and previous:
        if problem := pin_problem(previous, raw_config):
            raise pulumi.RunError(problem)
        return previous
    return current_account(raw_config)


def main() -> None:
    signal.signal(signal.SIGINT, stopped_by_engine)
    raw_config = {**get_config_env(), **CONFIG.get()}
    pinned = pinned_account(raw_config)
    provider = account_provider(raw_config, pinned)
    stack = pulumi.get_stack()  # here: the SDK's settings are not visible from another thread
    project = pulumi.get_project()
    try:
        prepared = beside_the_engine(lambda: prepare_for(raw_config, stack, project))
    except Exception as error:
        import requests

        from infra.program import PROGRAM_ERRORS  # imported by prepare_for already

        if isinstance(error, PROGRAM_ERRORS):
            raise pulumi.RunError(str(error)) from None
        if isinstance(error, requests.RequestException):
            target = os.environ.get("TWILIO_SANDBOX_URL") or "twilio.com"
            raise pulumi.RunError(
                f"twilio: no answer from {target} after retries ({type(error).__name__}) "
                "(fix: check the network, or that the sandbox is running when TWILIO_SANDBOX_URL is set)"
            ) from None
        raise
    from infra.component import ChatTransfer
    from infra.program import domain_left_line

    if prepared.flex_domain_holder is not None:
        pulumi.log.warn(domain_left_line(prepared.flex_domain_holder))
    chat_transfer = ChatTransfer(
        "chat-transfer",
        prepared.spec,
        prepared.workspace_sid,
        prepared.queue_sids,
        prepared.functions,
        prepared.build_timeout,
        provider=provider,
        flex_take_over=prepared.settings.flex_take_over,
        flex_domain_key=prepared.flex_domain_key,
        attached=prepared.attached,
    )
    from infra.account_pin import OUTPUT

    pulumi.export(OUTPUT, pinned)
    pulumi.export("workflowSid", chat_transfer.workflow.id)
    pulumi.export("serviceSid", chat_transfer.service_sid)
    pulumi.export("environmentSid", chat_transfer.environment_sid)
    pulumi.export("domainName", chat_transfer.domain_name)
    pulumi.export("functionUrls", chat_transfer.function_urls)


main()
