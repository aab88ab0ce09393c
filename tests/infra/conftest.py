"""Fixtures of the infra tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from flex_chat_transfer.sandbox.testing import SandboxProcess
from tests.infra.engine_world import Account, fresh_account
from tests.infra.pulumi_mocks import Mocks, installed


@pytest.fixture
def mocks() -> Mocks:
    """The wiring tests' Pulumi mocks, installed; a test reads back what its program registered."""
    return installed(Mocks())


@pytest.fixture(scope="module")
def flex_demo_sandbox(tmp_path_factory) -> Iterator[SandboxProcess]:
    """One flex-demo sandbox process for a module's engine tests; each test starts from a fresh account on it
    (engine_world.fresh_account)."""
    with SandboxProcess(tmp_path_factory.mktemp("sandbox"), seed="flex-demo", build_seconds=0.2) as sandbox:
        yield sandbox


@pytest.fixture
def account(flex_demo_sandbox, tmp_path) -> Account:
    """A freshly seeded account on the module's sandbox, with a Pulumi state of the test's own."""
    return fresh_account(flex_demo_sandbox, tmp_path)
