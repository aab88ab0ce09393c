"""Serves `TwilioxProvider` with the pinned SDK's provider server (`pulumi.provider.experimental.server`),
with one change: the SDK's handlers append the Python traceback to every error message, and no traceback may
reach a user, so each handler here answers a failure with the provider's one line (the traceback went to the
log file)."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

import grpc
import grpc.aio
from pulumi.provider.experimental import server
from pulumi.runtime.proto import provider_pb2_grpc

from flex_chat_transfer.infra import sdk_compat
from flex_chat_transfer.infra.parent_watch import exit_with_parent
from flex_chat_transfer.infra.twiliox import VERSION
from flex_chat_transfer.infra.twiliox.provider import OneLine, TwilioxProvider

WRAPPED = (
    "GetSchema",
    "CheckConfig",
    "DiffConfig",
    "Configure",
    "Check",
    "Diff",
    "Create",
    "Read",
    "Update",
    "Delete",
)


class InFlight:
    """How many engine calls are being answered. The engine's stop signal exits at once when none is (a
    graceful interpreter shutdown with grpc loaded would add its wait to every `pulumi up`); otherwise the
    process exits shortly after the last call returned, once its answer is on the wire.

    Everything here runs on the server's one thread (the handlers are coroutines on its event loop, and
    Python runs signal handlers on the main thread), so there is no lock: a handler interrupted by the signal
    must not wait for a lock it holds itself."""

    ANSWER_GRACE_SECONDS = 0.5

    def __init__(self) -> None:
        self.count = 0
        self.stopping = False

    def enter(self) -> None:
        self.count += 1

    def leave(self) -> None:
        self.count -= 1
        if self.stopping and self.count == 0:
            # The answer is sent after the handler returns: give it time to leave before the process does.
            asyncio.get_running_loop().call_later(self.ANSWER_GRACE_SECONDS, exit_now)

    def stop(self, *_: object) -> None:
        self.stopping = True
        if self.count == 0:
            exit_now()


IN_FLIGHT = InFlight()


def exit_now() -> None:
    sdk_compat.exit_at_once(0)


def _one_line(name: str):
    handler = getattr(server.ProviderServicer, name)

    async def wrapper(self, request, context):
        IN_FLIGHT.enter()
        try:
            return await handler(self, request, context)
        except Exception as wrapped:  # noqa: BLE001 - the SDK re-raises with the traceback appended
            original = sdk_compat.original_error(wrapped)
            if isinstance(original, OneLine):
                message = str(original)
            else:
                urn = getattr(request, "urn", "") or ""
                message = sdk_compat.servicer_provider(self).describe(urn, name.lower(), original)
            await context.abort(grpc.StatusCode.UNKNOWN, message)
        finally:
            IN_FLIGHT.leave()

    wrapper.__name__ = name
    return wrapper


class OneLineServicer(server.ProviderServicer):
    pass


for _name in WRAPPED:
    setattr(OneLineServicer, _name, _one_line(_name))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description="twiliox Pulumi resource provider (gRPC server)")
    parser.add_argument("engine", nargs="?", default="", help="Pulumi engine address")
    known, _ = parser.parse_known_args(argv)
    provider = TwilioxProvider(known.engine or None)

    async def serve() -> None:
        grpc_server = grpc.aio.server(options=sdk_compat.grpc_server_options())
        servicer = OneLineServicer(argv, VERSION, provider, engine_address=known.engine)
        provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, grpc_server)
        port = grpc_server.add_insecure_port(address="127.0.0.1:0")
        await grpc_server.start()
        sys.stdout.buffer.write(f"{port}\n".encode())
        sys.stdout.buffer.flush()
        await grpc_server.wait_for_termination()

    # The engine ends a plugin with SIGINT when it is done with it; a stop while calls run (a Ctrl-C that
    # reached the process group) lets them finish and record their result first.
    signal.signal(signal.SIGINT, IN_FLIGHT.stop)
    signal.signal(signal.SIGTERM, IN_FLIGHT.stop)
    # A killed engine sends no signal at all: its plugin must not outlive it.
    exit_with_parent(exit_now)

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass
