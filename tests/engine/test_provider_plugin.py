"""The twiliox plugin as the engine sees it: the CLI starts it from this repository and prints its schema."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import yaml

from flex_chat_transfer.infra.twiliox.kinds import KINDS
from harness.automation import find_cli_root

REPO = Path(__file__).resolve().parents[2]
PLUGIN = REPO / "infra" / "twiliox" / "bin" / "pulumi-resource-twiliox"


def test_pulumi_package_get_schema_prints_every_kind(tmp_path):
    cli_root = find_cli_root()
    pulumi = str(cli_root / "bin" / "pulumi") if cli_root else "pulumi"
    env = {**os.environ, "PULUMI_HOME": str(tmp_path), "PULUMI_SKIP_UPDATE_CHECK": "true",
           "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true"}
    done = subprocess.run([pulumi, "package", "get-schema", str(PLUGIN)], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    schema = json.loads(done.stdout)
    assert schema["name"] == "twiliox"
    assert set(schema["resources"]) == set(KINDS)  # each kind infra/twiliox/kinds.py declares
    workflow = schema["resources"]["twiliox:taskrouter:Workflow"]
    assert {"workspace_sid", "friendly_name", "configuration"} <= set(workflow["inputProperties"])
    assert "WS…/WW…" in workflow["description"]
    assert schema["config"]["variables"]["authToken"]["secret"] is True
    assert not list(tmp_path.glob("plugins/*"))  # nothing was installed or downloaded


def test_the_project_starts_the_plugin_from_this_repository():
    project = yaml.safe_load((REPO / "Pulumi.yaml").read_text())
    (entry,) = project["plugins"]["providers"]
    assert entry["name"] == "twiliox" and (REPO / entry["path"] / PLUGIN.name) == PLUGIN
    assert os.access(PLUGIN, os.X_OK)
