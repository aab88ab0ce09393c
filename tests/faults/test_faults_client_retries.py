"""The client's retry rule for creates under the two kinds of lost connection: refused (nothing was sent, so
repeating is safe) and dropped mid-reply (it may have been carried out, so the client does not repeat it)."""

from __future__ import annotations

import socket

import pytest
import requests

from flex_chat_transfer.infra.client import SandboxAwareHttpClient


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_refused_create_is_retried_with_backoff():
    client = SandboxAwareHttpClient(max_retries=3, sleep=lambda _: None)
    with pytest.raises(requests.ConnectionError):
        client.request("POST", f"http://127.0.0.1:{_closed_port()}/v1/Services", data={"UniqueName": "x"})
    assert client.retries == 3


def test_a_create_dropped_mid_reply_is_not_repeated(fault_sandbox):
    fault_sandbox.add_fault(route=r"/v1/Services$", kind="drop", count=1)
    try:
        client = SandboxAwareHttpClient(sandbox_url=fault_sandbox.url, max_retries=3, sleep=lambda _: None)
        before = len(fault_sandbox.requests())
        with pytest.raises((requests.ConnectionError, requests.exceptions.ChunkedEncodingError)):
            client.request(
                "POST",
                "https://serverless.twilio.com/v1/Services",
                data={"UniqueName": "dropped", "FriendlyName": "dropped"},
                auth=(fault_sandbox.account_sid, fault_sandbox.auth_token),
            )
        assert client.retries == 0
        assert len(fault_sandbox.requests()) == before + 1  # sent once, never repeated
    finally:
        fault_sandbox.clear_faults()
