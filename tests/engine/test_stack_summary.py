"""The one-line summary `make local-up` prints from the stack outputs."""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "stack_summary", Path(__file__).resolve().parents[2] / "scripts" / "stack_summary.py"
)
stack_summary = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(stack_summary)

OUTPUTS = {
    "workflowSid": "WW0123",
    "functionUrls": {"/a": "https://svc-1234-local.twil.io/a", "/b/c": "https://svc-1234-local.twil.io/b/c"},
    "serviceSid": "ZS01",
}


def test_names_the_workflow_and_function_urls_served_by_the_sandbox():
    line = stack_summary.summary(OUTPUTS, "http://127.0.0.1:4010/")
    assert line == (
        "local stack is up: workflow WW0123; functions "
        "http://127.0.0.1:4010/_runtime/svc-1234-local.twil.io/a "
        "http://127.0.0.1:4010/_runtime/svc-1234-local.twil.io/b/c"
    )


def test_without_a_sandbox_the_deployed_urls_are_shown():
    line = stack_summary.summary(OUTPUTS, None)
    assert "functions https://svc-1234-local.twil.io/a https://svc-1234-local.twil.io/b/c" in line


def test_an_empty_program_says_so():
    assert stack_summary.summary({}) == "local stack is up: no outputs yet (the program registers nothing)"
