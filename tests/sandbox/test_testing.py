"""sandbox.testing's own client: the SDK's twilio.com URLs go to the sandbox, nothing else changes."""

import pytest

from sandbox.testing import sandbox_url_for


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
