"""The package as a team installs it (issue 24): the wheel built from the checkout holds one import name of
the project's own, and a separate Pulumi program in a folder of its own, with its own virtualenv holding only
that wheel and its dependencies (no clone on any path), deploys the chat transfer into the sandbox through the
`ChatTransfer` component and the `twiliox` provider plugin the wheel installs, then destroys it, leaving the
account as it was. The program is the one README "Use from your own Pulumi program" shows."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
import yaml

from tests.infra.engine_world import Account

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
IMPORT_NAME = "flex_chat_transfer"

# What the README tells a team to write (kept in step by test_the_readme_shows_this_program).
PROGRAM = '''\
import pulumi

from flex_chat_transfer.infra.__main__ import main as chat_transfer

transfer = chat_transfer()  # the twiliox provider, the ChatTransfer component, the stack outputs
pulumi.export("teamWorkflow", transfer.workflow.id)
'''

PROJECT = {
    "name": "team-app",
    "runtime": {"name": "python", "options": {"toolchain": "pip", "virtualenv": "venv"}},
    "plugins": {"providers": [{"name": "twiliox", "path": "venv/bin"}]},
}


def machine_cache() -> Path:
    """The per-machine cache the project may write (README "Environment variables and secrets")."""
    explicit = os.environ.get("FLEX_CHAT_TRANSFER_CACHE")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "flex-chat-transfer"


def pip_env() -> dict[str, str]:
    return {
        **os.environ,
        "PIP_CACHE_DIR": str(machine_cache() / "pip"),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PYTHONPATH": "",
    }


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel of the checkout as it is, built from a copy of the files git tracks (no node_modules, no
    .venv, no build leftovers)."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for name in filter(None, tracked.decode().split("\0")):
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp / "dist"), str(source)],
        capture_output=True, text=True, env=pip_env(), timeout=600,
    )
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    (found,) = (tmp / "dist").glob("flex_chat_transfer-*.whl")
    return found


def test_the_wheel_installs_only_the_projects_own_import_name(wheel: Path):
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names}
    assert top == {IMPORT_NAME, wheel.name.split("-py3")[0] + ".dist-info"}, sorted(top)
    assert {n.split("/")[1] for n in names if n.startswith(IMPORT_NAME + "/")} == {
        "infra", "workflow", "sandbox", "functions"
    }
    # a namespace package: no file of its own
    assert not any(n.endswith("__init__.py") and n.count("/") == 1 for n in names)
    assert f"{IMPORT_NAME}/functions/package.json" in names
    feature = f"{IMPORT_NAME}/functions/functions/features/conversation-transfer"
    assert f"{feature}/flex/invite-participant.js" in names
    assert f"{IMPORT_NAME}/infra/syntax_check.cjs" in names
    assert not any("node_modules" in n or n.startswith(f"{IMPORT_NAME}/functions/test/") for n in names)
    metadata = zipfile.ZipFile(wheel)
    dist_info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/RECORD"))
    scripts = metadata.read(f"{dist_info}/entry_points.txt").decode()
    assert f"pulumi-resource-twiliox = {IMPORT_NAME}.infra.twiliox.__main__:main" in scripts
    assert metadata.read(f"{dist_info}/top_level.txt").decode().split() == [IMPORT_NAME]


@pytest.fixture(scope="module")
def team_program(wheel: Path, tmp_path_factory) -> Path:
    """A Pulumi project outside the repository: Pulumi.yaml, __main__.py and a virtualenv with the wheel."""
    app = tmp_path_factory.mktemp("team-app")
    venv.EnvBuilder(with_pip=True).create(app / "venv")
    installed = subprocess.run(
        [str(app / "venv" / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)],
        capture_output=True, text=True, env=pip_env(), timeout=900,
    )
    assert installed.returncode == 0, installed.stdout[-2000:] + installed.stderr[-2000:]
    (app / "Pulumi.yaml").write_text(yaml.safe_dump(PROJECT, sort_keys=False))
    (app / "__main__.py").write_text(PROGRAM)
    return app


def test_the_installed_package_runs_without_the_checkout(team_program: Path):
    python = team_program / "venv" / "bin" / "python"
    where = subprocess.run(
        [str(python), "-c",
         "import flex_chat_transfer.infra.__main__ as m, flex_chat_transfer.infra.twiliox as x; "
         "print(m.FUNCTIONS_DIR); print(x.__file__); "
         "import importlib.util as u; print(u.find_spec('infra'))"],
        cwd=team_program, capture_output=True, text=True, env={"PATH": os.environ["PATH"]}, check=True,
    ).stdout.split("\n")
    site = str(team_program / "venv" / "lib")
    assert where[0].startswith(site) and where[0].endswith("flex_chat_transfer/functions"), where
    assert where[1].startswith(site), where
    assert where[2] == "None"  # no top-level `infra` to clash with a team's own
    plugin = team_program / "venv" / "bin" / "pulumi-resource-twiliox"
    assert os.access(plugin, os.X_OK)
    assert str(REPO) not in plugin.read_text()


def test_a_separate_program_deploys_the_feature_from_the_wheel_and_destroys_it(
    team_program: Path, tmp_path: Path
):
    from flex_chat_transfer.sandbox.testing import SandboxProcess

    with SandboxProcess(tmp_path / "sandbox", seed="flex-demo", build_seconds=0.2) as sandbox:
        account = Account(tmp_path, sandbox)
        before = account.snapshot()
        # Nothing of the checkout reaches the program or the plugin: no functions folder, no PYTHONPATH.
        runner = account.runner(
            "team", project=team_program, env={"CHAT_TRANSFER_FUNCTIONS_DIR": "", "PYTHONPATH": ""}
        )
        result = runner.up()
        outputs = runner.outputs()
        assert outputs["teamWorkflow"] == outputs["workflowSid"]
        after = account.snapshot()
        assert after["workflows"][outputs["workflowSid"]][0] == "Chat Transfer (team)"
        name, environments, functions = after["services"][outputs["serviceSid"]]
        assert name == "chat-transfer-team"
        assert environments[outputs["environmentSid"]][1]  # a deployed build of the shipped functions
        assert len(functions) >= 3
        state = json.loads(runner.exported_state())
        types = {resource["type"] for resource in state["deployment"]["resources"]}
        assert "pulumi:providers:twiliox" in types and "chat-transfer:index:ChatTransfer" in types, types
        assert "Traceback" not in result.stdout + result.stderr
        runner.destroy()
        assert account.snapshot() == before


def test_the_readme_shows_this_program():
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("## Use from your own Pulumi program") :]
    for line in PROGRAM.splitlines():
        if line.strip():
            assert line in section, line
    assert "path: venv/bin" in section and "pip install" in section
