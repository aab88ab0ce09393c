"""README "CI: state in a bucket": the block that moves a stack's state to the shared backend, extracted from
README.md (never copied here) and run as written by bash, between two file backends, against the sandbox.

A `dev` stack (its auth token a stack secret, so encrypted values move too) is deployed into the first
backend; the block's first two lines, which the README tells the user to set to their backends, are set to
the two folders; the rest runs unchanged: stack init in the new backend, `stack export | stack import`, login,
and `pulumi preview --refresh --expect-no-changes`, which must pass against the sandbox. Then the new backend
holds the same resources, and the old one still holds its copy."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from flex_chat_transfer.sandbox.testing import SandboxProcess
from harness.automation import StackRunner, find_cli_root, write_scratch_project

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
MARKER = "<!-- move-state-commands -->"


def move_state_block() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    match = re.search(re.escape(MARKER) + r"\s*\n```(?:sh|bash)?\n(.*?)\n```", readme, re.S)
    assert match, f"README.md has no fenced block right after {MARKER}"
    return [line for line in match.group(1).splitlines() if line.strip()]


def test_the_block_sets_two_backends_first_then_copies_with_export_import_and_checks():
    lines = move_state_block()
    assert re.fullmatch(r'OLD_BACKEND="[^"]+"', lines[0]) and re.fullmatch(r'NEW_BACKEND="[^"]+"', lines[1])
    rest = "\n".join(lines[2:])
    assert "pulumi stack export" in rest and "| " in rest and "pulumi stack import" in rest
    assert lines[-1] == "pulumi preview --stack dev --refresh --expect-no-changes"
    assert not [line for line in lines if re.search(r"(^|\s)#", line)]  # pastes into zsh as well


def resources(project: Path, env: dict[str, str], backend: Path) -> list[str]:
    cli = find_cli_root()
    pulumi = str(cli / "bin" / "pulumi") if cli else "pulumi"
    exported = subprocess.run([pulumi, "stack", "export", "--stack", "dev", "--non-interactive"], cwd=project,
                              env={**env, "PULUMI_BACKEND_URL": backend.as_uri()}, capture_output=True,
                              text=True, timeout=120, check=True)
    return sorted(r["urn"] for r in json.loads(exported.stdout)["deployment"].get("resources") or [])


def test_the_readme_moves_a_deployed_stack_between_two_file_backends(tmp_path: Path):
    lines = move_state_block()
    old, new = tmp_path / "old-state", tmp_path / "new-state"
    new.mkdir()
    project = write_scratch_project(tmp_path / "project")
    home = tmp_path / "home"
    home.mkdir()
    with SandboxProcess(tmp_path / "sandbox", seed="flex-demo", build_seconds=0.2) as sandbox:
        runner = StackRunner(project, "dev", old, env={"TWILIO_SANDBOX_URL": sandbox.url})
        runner.set_config({"twilio:accountSid": sandbox.account_sid, "twilio:authToken": sandbox.auth_token,
                           "chat-transfer:transferQueues": ["Sales"]}, secret=("twilio:authToken",))
        runner.up()
        try:
            cli = find_cli_root()
            env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
            env.update({
                "HOME": str(home), "PULUMI_HOME": str(home / ".pulumi"),
                "PATH": f"{cli / 'bin'}{os.pathsep}{env['PATH']}" if cli else env["PATH"],
                "PULUMI_CONFIG_PASSPHRASE": runner.passphrase, "TWILIO_SANDBOX_URL": sandbox.url,
                "PULUMI_SKIP_UPDATE_CHECK": "true", "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            })
            script = "\n".join([f'OLD_BACKEND="{old.as_uri()}"', f'NEW_BACKEND="{new.as_uri()}"', *lines[2:]])
            done = subprocess.run(["bash", "-e", "-o", "pipefail", "-x", "-c", script], cwd=project, env=env,
                                  capture_output=True, text=True, timeout=600)
            assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
            assert sandbox.auth_token not in done.stdout + done.stderr

            moved = resources(project, env, new)
            assert moved == resources(project, env, old)  # the same resources, and the old copy kept
            assert any(":twiliox:taskrouter:Workflow::" in urn for urn in moved)
            assert str(new) in (home / ".pulumi" / "credentials.json").read_text()  # logged in to the new one
        finally:
            runner.destroy()
