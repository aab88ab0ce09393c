"""flex_chat_transfer.sandbox.testing's own client: the SDK's twilio.com URLs go to the sandbox, nothing else
changes."""

import pytest

from flex_chat_transfer.sandbox.testing import sandbox_url_for


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://taskrouter.twilio.com/v1/Workspaces?PageSize=5",
            "http://127.0.0.1:4010/taskrouter/v1/Workspaces?PageSize=5",
        ),
        (
            "https://serverless-upload.twilio.com/v1/Services",
            "http://127.0.0.1:4010/serverless-upload/v1/Services",
        ),
        ("https://flex-api.twilio.com/v1/Configuration", "http://127.0.0.1:4010/flex-api/v1/Configuration"),
        ("http://127.0.0.1:4010/taskrouter/v1/Workspaces", "http://127.0.0.1:4010/taskrouter/v1/Workspaces"),
        ("https://example.com/v1/x", "https://example.com/v1/x"),
    ],
    ids=["query kept", "upload host", "hyphenated product", "sandbox link unchanged", "other host unchanged"],
)
def test_twilio_urls_go_to_the_sandbox_under_their_product(url, expected):
    assert sandbox_url_for(url, "http://127.0.0.1:4010/") == expected


def test_the_client_talks_to_the_sandbox(sandbox, seeded):
    workspaces = sandbox.client().taskrouter.v1.workspaces.list()
    assert [w.sid for w in workspaces] == [seeded["workspace"]["sid"]]


def test_a_request_watch_collects_from_every_sandbox_even_restarted_or_stopped_ones(sandbox, sandbox_factory):
    from flex_chat_transfer.sandbox.testing import RequestWatch

    sandbox.client().taskrouter.v1.workspaces.list()  # before the watch: not collected
    with RequestWatch() as watch:
        sandbox.client().taskrouter.v1.workspaces.list(limit=1)
        own = sandbox_factory(seed="empty")
        own.client().serverless.v1.services.create(unique_name="watched", friendly_name="Watched")
        own.restart()  # the log lives in the process: what it held is taken before it goes
        own.client().serverless.v1.services.list()
        early = watch.requests()
        own.stop()
    shared = sandbox.url
    paths = [(entry["sandbox"] == shared, entry["method"], entry["path"]) for entry in watch.requests()]
    assert sorted(paths) == sorted([
        (True, "GET", "/taskrouter/v1/Workspaces"),
        (False, "POST", "/serverless/v1/Services"),  # before the restart
        (False, "GET", "/serverless/v1/Services"),  # after it (a new port; its log counts from 1 again)
    ])
    assert len(early) == 3  # each entry once, however often requests() is asked
    body = next(e["body"] for e in watch.requests() if e["method"] == "POST")
    assert body == {"UniqueName": "watched", "FriendlyName": "Watched"}
