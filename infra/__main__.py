"""The chat-transfer Pulumi program: stack config → `flex_chat_transfer.workflow.loader.read_stack_config`
(one typed settings object) → the account's provider → `flex_chat_transfer.infra.program.prepare_settings`
(look-ups, pre-flight) → `ChatTransfer`.

Every problem found before any write (config, credentials, unknown queues, functions that do not parse)
ends the run with one line per problem; nothing has been written by then, in preview as in up.
"""

import os
import signal
from pathlib import Path

import pulumi

from flex_chat_transfer.infra import sdk_compat
from flex_chat_transfer.infra.parent_watch import exit_with_parent
from flex_chat_transfer.infra.registration import checked_first
from flex_chat_transfer.infra.twilio_constants import sandbox_url
from flex_chat_transfer.infra.twiliox import PROVIDER_NAME
from flex_chat_transfer.infra.twiliox.resources import Provider
from flex_chat_transfer.workflow.loader import read_stack_config
from flex_chat_transfer.workflow.problems import ProblemsError
from flex_chat_transfer.workflow.spec import StackSettings

# The functions project to deploy; CHAT_TRANSFER_FUNCTIONS_DIR points tests and tools at a copy.
FUNCTIONS_DIR = Path(
    os.environ.get("CHAT_TRANSFER_FUNCTIONS_DIR") or Path(__file__).resolve().parents[1] / "functions"
)


def account_provider(settings: StackSettings, pinned: str) -> Provider:
    """One explicit provider for the account (the credentials in its state are secrets, encrypted). Registered
    before the look-ups, so the engine starts the plugin while the program looks things up; a provider entry
    writes nothing to Twilio."""
    credentials = settings.credentials
    stack, project = pulumi.get_stack(), pulumi.get_project()
    return Provider(
        PROVIDER_NAME,
        account_sid=credentials.get("twilio:accountSid"),
        auth_token=credentials.get("twilio:authToken"),
        api_key=credentials.get("twilio:apiKey"),
        api_secret=credentials.get("twilio:apiSecret"),
        concurrency=settings.concurrency,
        pinned_account_sid=pinned or None,
        checked_first=checked_first(settings.spec, plugin=settings.plugin is not None),
        # A stack deployed by the dynamic-provider version: its resources name the default pulumi-python
        # provider; mapping that provider onto this one lets them upgrade in place (no provider change).
        opts=pulumi.ResourceOptions(
            aliases=[f"urn:pulumi:{stack}::{project}::pulumi:providers:pulumi-python::default"]
        ),
    )


# The exit code that tells the language host the failure is already reported (the engine's own line).
EXIT_ALREADY_REPORTED = 32


def stopped_by_engine(*_: object) -> None:
    """The engine stops the program with SIGINT once the update has failed elsewhere (a refused Check): it
    has said why, so the program leaves without a KeyboardInterrupt traceback of what it waited on."""
    sdk_compat.exit_at_once(EXIT_ALREADY_REPORTED)


def prepare_for(settings: StackSettings, stack: str, project: str, project_dir: Path, functions_dir: Path):
    """The look-ups and pre-flight, with the imports they need: run beside the engine, so the stack's and the
    provider's registrations go out first and the plugin starts meanwhile. Returns a Prepared
    (infra/program.py)."""
    from flex_chat_transfer.infra.program import prepare_settings

    return prepare_settings(settings, stack, functions_dir, project=project, project_dir=project_dir)


def pinned_account(settings: StackSettings) -> str:
    """The account this stack is pinned to: the one its last run exported (read back from its own state
    before any Twilio call), else the one its credentials name now. Credentials of another account end the
    run here, in one line (infra/account_pin.py)."""
    from flex_chat_transfer.infra.account_pin import OUTPUT, current_account, pin_problem

    me = pulumi.StackReference(f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}")
    previous = sdk_compat.wait_for(me.get_output(OUTPUT).future())
    if isinstance(previous, str) and previous:
        if problem := pin_problem(previous, settings.credentials):
            raise pulumi.RunError(problem)
        return previous
    return current_account(settings.credentials)


def main(functions_dir: Path | None = None):  # -> flex_chat_transfer.infra.component.ChatTransfer
    """The whole program; also what another Pulumi program calls to deploy the feature beside its own
    resources (README "Use from your own Pulumi program"), with the Functions project it names or the one
    shipped."""
    signal.signal(signal.SIGINT, stopped_by_engine)
    # The language host that started the program ends when the engine does (a killed `pulumi up`): the
    # program must not outlive it.
    exit_with_parent(lambda: sdk_compat.exit_at_once(EXIT_ALREADY_REPORTED))
    stack = pulumi.get_stack()  # here: the SDK's settings are not visible from another thread
    project = pulumi.get_project()
    # Where Pulumi.yaml is: chat-transfer:plugin.bundle is relative to it.
    project_dir = Path(pulumi.get_root_directory() or os.getcwd())
    try:
        settings = read_stack_config(sdk_compat.stack_config(), stack)
    except ProblemsError as error:
        raise pulumi.RunError(str(error)) from None
    pinned = pinned_account(settings)
    provider = account_provider(settings, pinned)
    try:
        prepared = sdk_compat.wait_beside_loop(
            lambda: prepare_for(settings, stack, project, project_dir, functions_dir or FUNCTIONS_DIR)
        )
    except Exception as error:
        import requests

        from flex_chat_transfer.infra.program import PROGRAM_ERRORS  # imported by prepare_for already

        if isinstance(error, PROGRAM_ERRORS):
            raise pulumi.RunError(str(error)) from None
        if isinstance(error, requests.RequestException):
            target = sandbox_url() or "twilio.com"
            raise pulumi.RunError(
                f"twilio: no answer from {target} after retries ({type(error).__name__}) "
                "(fix: check the network, or that the sandbox is running when TWILIO_SANDBOX_URL is set)"
            ) from None
        raise
    from flex_chat_transfer.infra.component import ChatTransfer
    from flex_chat_transfer.infra.program import domain_left_line

    if prepared.flex_domain_holder is not None:
        pulumi.log.warn(domain_left_line(prepared.flex_domain_holder))
    if prepared.plugin is not None and prepared.plugin.change is not None:
        pulumi.log.info(prepared.plugin.change)  # the plugin change in one line, in preview as in up
    chat_transfer = ChatTransfer(
        "chat-transfer",
        prepared.spec,
        prepared.workspace_sid,
        prepared.queue_sids,
        prepared.functions,
        prepared.build_timeout,
        provider=provider,
        flex_take_over=settings.flex_take_over,
        flex_domain_key=prepared.flex_domain_key,
        attached=prepared.attached,
        plugin=prepared.plugin,
    )
    from flex_chat_transfer.infra.account_pin import OUTPUT

    pulumi.export(OUTPUT, pinned)
    pulumi.export("workflowSid", chat_transfer.workflow.id)
    pulumi.export("serviceSid", chat_transfer.service_sid)
    pulumi.export("environmentSid", chat_transfer.environment_sid)
    pulumi.export("domainName", chat_transfer.domain_name)
    pulumi.export("functionUrls", chat_transfer.function_urls)
    return chat_transfer


if __name__ == "__main__":  # the language host runs this file as __main__; an import only defines main
    main()
