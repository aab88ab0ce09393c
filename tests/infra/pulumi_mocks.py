"""The Pulumi mocks the ChatTransfer wiring tests run under: an engine stand-in that hands each resource a
SID of its kind's prefix, the account values the wiring needs, and a small functions project on disk."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import pulumi

from flex_chat_transfer.infra.functions_source import load_project

WS = "WS" + "1" * 32
QUEUES = {"Everyone": "WQ" + "a" * 32, "Sales": "WQ" + "b" * 32}

M = TypeVar("M", bound=pulumi.runtime.Mocks)


class NoCalls(pulumi.runtime.Mocks):
    """Mocks for a program that invokes no provider function."""

    def call(self, args: pulumi.runtime.MockCallArgs):
        return {}


class Mocks(NoCalls):
    def __init__(self) -> None:
        self.resources: dict[str, dict] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        state = dict(args.inputs)
        prefix = {"workflow": "WW", "service": "ZS", "environment": "ZE", "build": "ZB", "deployment": "ZD"}
        kind = next((p for k, p in prefix.items() if args.name.endswith(f"-{k}")), None)
        fake = f"{kind or 'XX'}{abs(hash(args.name)) % 10**32:032d}"
        if kind:
            state["sid"] = fake
        if "-fn/" in args.name:
            state.update(sid="ZH" + fake[2:], version_sid="ZN" + fake[2:])
        if args.name.endswith("-environment"):
            state["domain_name"] = "chat-transfer-1234-test.twil.io"
        if "-var-" in args.name:
            state["sid"] = "ZV" + fake[2:]
        self.resources[args.name] = {"inputs": dict(args.inputs), "state": state}
        return fake, state


def installed(mocks: M) -> M:
    """`mocks` stands in for the engine of the program the test runs next."""
    pulumi.runtime.set_mocks(mocks, project="chat-transfer", stack="test", preview=False)
    return mocks


def functions_project(tmp_path: Path):
    root = tmp_path / "functions"
    (root / "functions" / "features" / "x").mkdir(parents=True)
    (root / "functions" / "features" / "x" / "invite.protected.js").write_text(
        "exports.handler = () => {};\n"
    )
    (root / "functions" / "helper.private.js").write_text("module.exports = 1;\n")
    (root / "package.json").write_text('{"dependencies": {"twilio-flex-token-validator": "1.5.8"}}')
    return load_project(root)
