"""The real Pulumi engine end to end, no mocks: `.tools/bin/pulumi` (CLI v3.274.1), our Python language
host and our dynamic-provider launcher, driven through `pulumi.automation` against a file backend with
passphrase secrets.

The tiny program (smoke_program/__main__.py) has one Python dynamic resource and lives in a `program/`
subdirectory with a *relative* virtualenv, the same layout as Pulumi.yaml's `main: infra/`, so this also
proves the launcher resolves the virtualenv against the project root.
"""

import json
import os
import shutil
from pathlib import Path

import pytest
from pulumi import automation as auto

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / ".tools"
PROGRAM = Path(__file__).resolve().parent / "smoke_program"
PASSPHRASE = "engine-smoke-test"  # test-only; protects nothing
# How Pulumi marks a secret value in state (the value itself is under "ciphertext").
SECRET_SIG, SECRET_SIG_VALUE = "4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"


def _pulumi_command() -> auto.PulumiCommand:
    cli = TOOLS / "bin" / "pulumi"
    if not cli.exists():
        pytest.fail(
            f"Pulumi CLI not found at {cli}: run `make pulumi` (builds it once per machine)", pytrace=False
        )
    # root= means <root>/bin/pulumi; never PulumiCommand.install(), which downloads.
    return auto.PulumiCommand(root=str(TOOLS), skip_version_check=True)


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(PROGRAM, project / "program")
    venv = os.path.relpath(REPO / ".venv", project)
    (project / "Pulumi.yaml").write_text(
        "name: engine-smoke\n"
        "runtime:\n"
        "  name: python\n"
        "  options:\n"
        "    toolchain: pip\n"
        f"    virtualenv: {venv}\n"
        "main: program/\n"
    )
    return project


@pytest.fixture
def stack(tmp_path):
    project = _project(tmp_path)
    backend = tmp_path / "state"
    backend.mkdir()
    env = {
        "PULUMI_BACKEND_URL": backend.as_uri(),
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "true",
        # Our launcher first, as the Makefile does (it matters when .tools/bin wraps an ambient CLI).
        "PATH": f"{TOOLS / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    options = auto.LocalWorkspaceOptions(
        work_dir=str(project),
        pulumi_home=str(tmp_path / "pulumi-home"),
        pulumi_command=_pulumi_command(),
        env_vars=env,
        secrets_provider="passphrase",
    )
    stack = auto.create_stack("smoke", work_dir=str(project), opts=options)
    stack.backend = backend
    yield stack
    # Leave nothing behind even if an assertion failed half-way.
    if stack.export_stack().deployment.get("resources"):
        stack.destroy()


def _state_file(backend: Path) -> dict:
    return json.loads((backend / ".pulumi" / "stacks" / "engine-smoke" / "smoke.json").read_text())


def test_up_then_up_again_changes_nothing_then_destroy(stack):
    output = []

    first = stack.up(on_output=output.append, color="never")
    assert first.summary.result == "succeeded"
    assert first.summary.resource_changes == {"create": 2}  # the stack + the dynamic resource
    assert first.outputs["message"].value == "hello"
    assert first.outputs["echo_id"].value == "echo-hello"  # the id our provider's create() returned

    state = _state_file(stack.backend)
    dynamic = [
        r for r in state["checkpoint"]["latest"]["resources"] if r["type"] == "pulumi-python:dynamic:Resource"
    ]
    assert len(dynamic) == 1 and dynamic[0]["outputs"]["message"] == "hello"
    # The pickled provider is stored encrypted with the passphrase, never in clear.
    assert (
        dynamic[0]["inputs"]["__provider"].get("4dabf18193072939515e22adb298388d")
        == "1b47061264138c4ac30d75fd1eb44270"
    )
    assert "ciphertext" in dynamic[0]["inputs"]["__provider"]

    again = stack.up(color="never")
    assert again.summary.resource_changes == {"same": 2}
    assert stack.preview(expect_no_changes=True, color="never").change_summary == {"same": 2}

    # A real input change goes through the provider's diff() and update().
    stack.set_config("message", auto.ConfigValue("changed"))
    changed = stack.up(color="never")
    assert changed.summary.resource_changes == {"same": 1, "update": 1}
    assert changed.outputs["message"].value == "changed"

    gone = stack.destroy(color="never")
    assert gone.summary.resource_changes == {"delete": 2}
    assert not stack.export_stack().deployment.get("resources")
    assert any("created" in line for line in output)


def test_program_error_reaches_the_caller_with_its_message(stack, tmp_path):
    program = tmp_path / "project" / "program" / "__main__.py"
    program.write_text(program.read_text() + '\nraise ValueError("smoke program refused")\n')
    with pytest.raises(auto.CommandError) as failure:
        stack.up(color="never")
    assert "smoke program refused" in str(failure.value)
    assert "Program failed with an unhandled exception" in str(failure.value)
