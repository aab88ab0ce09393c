"""README "Real account": the commands of its marked block, extracted from README.md (never copied here),
run as written by bash in a scratch clone of this checkout, against the sandbox: from `make setup` and
`pulumi login file://…` to a successful `pulumi up` of a new `dev` stack and its outputs; then
`pulumi destroy` removes what the README says it removes.

What the test supplies is what a user brings, never a changed command: the answers to the block's `read`
prompts on stdin (passphrase, account SID, auth token), HOME (so `~/…` is scratch) and PULUMI_HOME (so the
`pulumi login` lands in a scratch `.pulumi`: the Pulumi CLI finds its home through the password database,
not HOME, so HOME alone would rewrite the real user's ~/.pulumi/credentials.json), the
sandbox's URL in TWILIO_SANDBOX_URL, and PULUMI_SKIP_CONFIRMATIONS=true, Pulumi's own switch for the answer
"yes" to `pulumi up`'s prompt when no terminal is attached. Offline here: no update check, no plugin
download. The clone reuses this checkout's .venv and node_modules (symlinks) and the per-machine Pulumi CLI
cache, so `make setup` finds everything in place."""

from __future__ import annotations

import json
import os
import pwd
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from flex_chat_transfer.sandbox.testing import SandboxProcess

ROOT = Path(__file__).resolve().parents[2]
MARKER = "<!-- real-account-commands -->"
NODE_MODULES = ("functions", "sandbox/runtime", "bench")


def real_account_block(readme: str) -> str:
    """The fenced block right after the marker; fails loudly if the README lost it."""
    match = re.search(re.escape(MARKER) + r"\s*\n```(?:sh|bash|console)?\n(.*?)\n```", readme, re.S)
    assert match, f"README.md has no fenced block right after {MARKER}"
    return match.group(1) + "\n"


def commands(block: str) -> list[str]:
    """The lines a user types, blank lines aside."""
    return [line.strip() for line in block.splitlines() if line.strip()]


def real_account_section(readme: str) -> str:
    return readme.split("## Real account", 1)[1].split("\n## ", 1)[0]


# The steps the block must have, in this order: what each first line of the step looks like.
STEPS = {
    "PATH for pulumi and chat-transfer": r"^export PATH=.*\.tools/bin.*\.venv/bin",
    "passphrase": r"PULUMI_CONFIG_PASSPHRASE",
    "login": r"^pulumi login ",
    "stack": r"^pulumi stack init dev$",
    "config": r"^pulumi config set ",
    "credentials": r"TWILIO_AUTH_TOKEN",
    "preview": r"^pulumi preview .*--diff",
    "up": r"^pulumi up( |$)",
}
# The other choices, named in the section next to the block.
OTHER_CHOICES = (
    "pulumi login s3://", "Pulumi Cloud: `pulumi login`", "pulumi config set --secret twilio:authToken",
    "TWILIO_API_KEY", "PULUMI_ACCESS_TOKEN",
)


def test_the_block_covers_login_to_up_in_order():
    block = real_account_block((ROOT / "README.md").read_text())
    typed = commands(block)
    first = {}
    for step, pattern in STEPS.items():
        first[step] = next((i for i, line in enumerate(typed) if re.search(pattern, line)), None)
        assert first[step] is not None, f"no {step} step in the README block"
    assert list(first) == sorted(first, key=first.get), first
    # No comments: interactive zsh (macOS's shell) runs `# …` as a command unless interactivecomments is set.
    assert not [line for line in typed if re.search(r"(^|\s)#", line)]
    section = real_account_section((ROOT / "README.md").read_text())
    for other in OTHER_CHOICES:
        assert other in section, other


def _git_files(*args: str) -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-z", *args], cwd=ROOT, capture_output=True, check=True)
    return [name for name in listed.stdout.decode().split("\0") if name]


def _scratch_clone(tmp_path: Path) -> Path:
    """A `git clone` of this checkout, with its uncommitted changes laid over it (the files pytest tests
    everywhere else), and nothing of its ignored folders but the symlinked dependencies."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, capture_output=True)
    deleted = set(_git_files("--deleted"))
    for name in deleted:
        (clone / name).unlink(missing_ok=True)
    for name in set(_git_files("--modified", "--others", "--exclude-standard")) - deleted:
        target = clone / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    (clone / ".venv").symlink_to(ROOT / ".venv")
    for package in NODE_MODULES:
        if (ROOT / package / "node_modules").is_dir():
            (clone / package / "node_modules").symlink_to(ROOT / package / "node_modules")
    return clone


def _user_environment(home: Path, sandbox: SandboxProcess) -> dict[str, str]:
    ours = {str(ROOT / ".tools" / "bin"), str(ROOT / ".venv" / "bin")}
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PULUMI_", "TWILIO_", "CHAT_TRANSFER_", "VIRTUAL_ENV"))}
    env["PATH"] = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p not in ours)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    env.update({
        "HOME": str(home),
        "PULUMI_HOME": str(home / ".pulumi"),  # the CLI's home is not HOME's: see the module docstring
        "XDG_CACHE_HOME": cache,  # the per-machine Pulumi CLI cache, as on the user's machine
        "TWILIO_SANDBOX_URL": sandbox.url,
        "PULUMI_SKIP_CONFIRMATIONS": "true",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
    })
    return env


def _pulumi(clone: Path, env: dict[str, str], *args: str) -> str:
    result = subprocess.run(["pulumi", *args, "--non-interactive", "--color", "never"], cwd=clone, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def _account(sandbox: SandboxProcess) -> dict[str, Any]:
    """What the sandbox account holds: SIDs by kind, and Flex configuration's ui_attributes."""
    client = sandbox.client()
    taskrouter = client.taskrouter.v1
    workspaces = {ws.sid for ws in taskrouter.workspaces.list()}
    return {
        "workspaces": workspaces,
        "workflows": {wf.sid for ws in workspaces for wf in taskrouter.workspaces(ws).workflows.list()},
        "queues": {q.sid for ws in workspaces for q in taskrouter.workspaces(ws).task_queues.list()},
        "services": {service.sid for service in client.serverless.v1.services.list()},
        "flex": client.flex_api.v1.configuration().fetch().ui_attributes,
    }


def _credentials_of_the_real_user() -> str:
    """The Pulumi login file of the account's own home (the password database's, whatever HOME says)."""
    credentials = Path(pwd.getpwuid(os.getuid()).pw_dir) / ".pulumi" / "credentials.json"
    try:
        return credentials.read_text()
    except OSError:
        return ""


@pytest.mark.e2e
def test_the_readme_commands_deploy_a_new_stack_against_the_sandbox(tmp_path: Path):
    block = real_account_block((ROOT / "README.md").read_text())
    clone = _scratch_clone(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    script = tmp_path / "real-account.sh"
    # -e: the first command that fails stops the run; -x: the failing command is named in the output.
    script.write_text("set -ex\n" + block)
    passphrase = "readme-test-passphrase"

    with SandboxProcess(tmp_path / "sandbox") as sandbox:
        untouched = _account(sandbox)
        answers = f"{passphrase}\n{sandbox.account_sid}\n{sandbox.auth_token}\n"
        env = _user_environment(home, sandbox)
        result = subprocess.run(["bash", str(script)], cwd=clone, env=env, input=answers,
                                capture_output=True, text=True, timeout=600)
        output = result.stdout + result.stderr
        assert sandbox.auth_token not in output
        assert result.returncode == 0, output[-6000:]
        # Later commands run in the same user's shell: its PATH line, passphrase and credentials.
        env.update(sandbox.env(), PULUMI_CONFIG_PASSPHRASE=passphrase,
                   PATH=f"{clone / '.tools' / 'bin'}{os.pathsep}{env['PATH']}")
        # The commands really deployed: the stack's outputs, read back through the backend the block logged
        # in to, name a workflow and a Functions service the sandbox holds.
        outputs = json.loads(_pulumi(clone, env, "stack", "output", "--json", "--stack", "dev"))
        assert re.fullmatch(r"WW[0-9a-f]{32}", outputs["workflowSid"]), outputs
        before = _account(sandbox)
        assert outputs["workflowSid"] in before["workflows"]
        assert outputs["serviceSid"] in before["services"]

        # README "What `pulumi destroy` removes": what the stack created goes, what it looked up stays.
        _pulumi(clone, env, "destroy", "--stack", "dev", "--yes")
        after = _account(sandbox)
        assert outputs["workflowSid"] not in after["workflows"]
        assert outputs["serviceSid"] not in after["services"]
        assert before["flex"] != untouched["flex"]  # the up did set the feature flags
        assert after == untouched  # workspace, queues, seeded workflows and other Flex keys as they were

    state = home / ".flex-chat-transfer-state"
    assert any(state.rglob("dev.json")), "the stack's state is not in the file backend the README logs in to"
    # The login went to the scratch PULUMI_HOME, and nowhere else.
    assert str(state) in (home / ".pulumi" / "credentials.json").read_text()
    assert str(state) not in _credentials_of_the_real_user()
    assert "encryptionsalt:" in (clone / "Pulumi.dev.yaml").read_text()
    # Nothing in the repository's own state or sandbox folders: the block ran in the clone only.
    assert not (clone / ".state").exists()
