"""The suites' request check (tests/conftest.py) on a throw-away suite: an e2e test whose request Twilio's OAS
refuses fails, naming the request; the session's closing line counts what was checked."""

from __future__ import annotations

import os
from pathlib import Path

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parents[2]

SUITE = '''
import pytest
from flex_chat_transfer.sandbox.testing import SandboxProcess

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with SandboxProcess(tmp_path_factory.mktemp("glue"), seed="empty") as sandbox:
        yield sandbox


def test_valid(world):
    with world.http() as http:
        created = http.post("/serverless/v1/Services", data={"UniqueName": "ok", "FriendlyName": "Ok"})
        assert created.status_code == 201


def test_typo(world):
    with world.http() as http:
        typo = {"UniqueName": "t", "FriendlyName": "T", "IncludeCredential": "true"}
        http.post("/serverless/v1/Services", data=typo)


@pytest.mark.sends_invalid_requests("checks the sandbox's own refusal")
def test_exempt(world):
    with world.http() as http:
        assert http.post("/serverless/v1/Services", data={"UniqueName": "x"}).status_code == 400
'''


def test_an_invalid_request_fails_its_test_and_the_session_counts_the_checks(pytester, monkeypatch):
    pytester.makeconftest("from tests.conftest import *  # noqa: F403\n")
    pytester.makepyfile(test_glue=SUITE)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--rootdir", str(pytester.path))
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines([
        "*test_typo*",
        "*1 request(s) do not hold to Twilio's OAS*",
        "*POST /serverless/v1/Services -> 201: "
        "field IncludeCredential is not in Twilio's OAS for POST /v1/Services*",
        "OAS request check: 2 requests checked, 1 invalid, in 2 tests*",
    ])
