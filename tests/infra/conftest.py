"""Fixtures of the infra tests."""

from __future__ import annotations

import pytest

from tests.infra.pulumi_mocks import Mocks, installed


@pytest.fixture
def mocks() -> Mocks:
    """The wiring tests' Pulumi mocks, installed; a test reads back what its program registered."""
    return installed(Mocks())
