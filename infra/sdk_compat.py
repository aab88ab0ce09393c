"""Every use of a Pulumi SDK internal (names outside the SDK's public API) and every process-wide trick, in
one place. The SDK is pinned (`pulumi==3.272.0` in pyproject.toml); `tests/infra/test_sdk_compat.py` checks
each internal against the installed SDK, so a bump that renames or reshapes one fails there, by name,
instead of somewhere in a deploy.

What each is for:
- `stack_config()`: the whole stack config (every namespace, full keys). `pulumi.Config` reads one key of
  one namespace at a time; the program needs all of them to check them in one pass.
- `wait_beside_loop(work)`: run blocking work in a thread while the program's event loop keeps sending the
  registrations already made (the provider: the engine starts its plugin meanwhile). The SDK's `_sync_await`
  is its own way of waiting inside the running loop.
- `grpc_server_options()`: the SDK's gRPC message-size options, so our provider server accepts what the
  engine sends the SDK's own server.
- `servicer_provider(servicer)`: the provider object the SDK's servicer dispatches to (its `_provider`).
- `original_error(error)`: the SDK's handlers re-raise a failure as a new `Exception` with the traceback in
  its text; the original is its `__context__`.
- `exit_at_once(code)`: leave the process without the interpreter's shutdown (threads still waiting on
  Twilio or the engine would hold it).
- `stack_create_or_select()`: the automation API's init mode `Stack()` needs to create-or-select a stack
  (not re-exported by `pulumi.automation`).
- `config_diff_changes(changed)`: the `changes` of a DiffConfig answer. The SDK's provider server copies it
  onto the wire as it is (`changes=resp.changes` in `DiffConfig`, unlike `Diff`), where True is the enum's 1,
  DIFF_NONE: the engine then configures the provider with the inputs in state, not the program's (changed
  credentials, a new `checkedFirst` or pin were ignored for that run; after a `pulumi import` made the
  provider with no inputs, the next up had no credentials at all). So the wire enum's value is given.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def stack_config() -> dict[str, Any]:
    """The stack config the engine handed the program, full keys (`chat-transfer:workspace`, `twilio:…`)."""
    from pulumi.runtime.config import CONFIG, get_config_env

    return {**get_config_env(), **CONFIG.get()}


def wait_for(awaitable: Any) -> Any:
    """The result of `awaitable` (e.g. an Output's future), waited for inside the program's running event
    loop, which keeps going meanwhile (the SDK's `_sync_await`)."""
    from pulumi.runtime.sync_await import _sync_await

    return _sync_await(awaitable)


def wait_beside_loop(work: Callable[[], T]) -> T:
    """`work()` run in a thread; the running event loop keeps going while it runs (the SDK's `_sync_await`
    pumps it)."""
    from pulumi.runtime.sync_await import _sync_await

    return _sync_await(asyncio.get_event_loop().run_in_executor(None, work))


def grpc_server_options() -> list[tuple[str, Any]]:
    from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS

    return list(_GRPC_CHANNEL_OPTIONS)


def servicer_provider(servicer: Any) -> Any:
    return servicer._provider


def original_error(error: BaseException) -> BaseException:
    return error.__context__ or error


def exit_at_once(code: int) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def config_diff_changes(changed: bool) -> Any:
    from pulumi.runtime.proto import provider_pb2

    return provider_pb2.DiffResponse.DIFF_SOME if changed else provider_pb2.DiffResponse.DIFF_NONE


def stack_create_or_select() -> Any:
    from pulumi.automation._stack import StackInitMode

    return StackInitMode.CREATE_OR_SELECT
