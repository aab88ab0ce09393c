"""Serves `TwilioxProvider` with the pinned SDK's provider server (`pulumi.provider.experimental.server`),
with
one change: its handlers append the Python traceback to every error message, and no traceback may reach a
user.
Each handler here answers a failure with the provider's one line (the traceback went to the log file)."""

from __future__ import annotations

import argparse
import asyncio
import sys

import grpc
import grpc.aio
from pulumi.provider.experimental import server
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import provider_pb2_grpc

from infra.twiliox import VERSION
from infra.twiliox.provider import OneLine, TwilioxProvider

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


def _one_line(name: str):
    handler = getattr(server.ProviderServicer, name)

    async def wrapper(self, request, context):
        try:
            return await handler(self, request, context)
        except Exception as wrapped:  # noqa: BLE001 - the SDK re-raises with the traceback appended
            original = wrapped.__context__ or wrapped
            if isinstance(original, OneLine):
                message = str(original)
            else:
                urn = getattr(request, "urn", "") or ""
                message = self._provider.describe(urn, name.lower(), original)
            await context.abort(grpc.StatusCode.UNKNOWN, message)

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
        grpc_server = grpc.aio.server(options=_GRPC_CHANNEL_OPTIONS)
        servicer = OneLineServicer(argv, VERSION, provider, engine_address=known.engine)
        provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, grpc_server)
        port = grpc_server.add_insecure_port(address="127.0.0.1:0")
        await grpc_server.start()
        sys.stdout.buffer.write(f"{port}\n".encode())
        sys.stdout.buffer.flush()
        await grpc_server.wait_for_termination()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass
