"""`chat-transfer:plugin` as the config reader reads it, and the pure rules of a plugin release: names Flex
accepts, semantic-version order, the derived version and the bundle's problems (each one line)."""

from __future__ import annotations

import pytest

from flex_chat_transfer.workflow.flex_plugin import (
    ASSET_MAX_BYTES,
    PluginSettings,
    bundle_problem,
    latest,
    name_problem,
    next_version,
    version_key,
)
from flex_chat_transfer.workflow.loader import read_stack_config
from flex_chat_transfer.workflow.problems import ProblemsError

BASE = {"chat-transfer:transferQueues": ["Sales"]}


def problems(plugin) -> list[str]:
    with pytest.raises(ProblemsError) as refused:
        read_stack_config({**BASE, "chat-transfer:plugin": plugin}, "dev")
    return [str(p) for p in refused.value.problems]


def test_plugin_config_is_read_with_the_stack_config():
    settings = read_stack_config(
        {
            **BASE,
            "chat-transfer:plugin": {"name": "plugin-x", "bundle": "build/plugin-x.js", "version": "1.4.0"},
        },
        "dev",
    )
    assert settings.plugin == PluginSettings("plugin-x", "build/plugin-x.js", "1.4.0")
    assert read_stack_config(BASE, "dev").plugin is None
    # A JSON string (what pulumi.Config yields for an object) reads the same.
    assert read_stack_config(
        {**BASE, "chat-transfer:plugin": '{"name": "plugin-x", "bundle": "b.js"}'}, "dev"
    ).plugin == PluginSettings("plugin-x", "b.js")


@pytest.mark.parametrize(
    "plugin, line",
    [
        ({"bundle": "b.js"}, "chat-transfer:plugin.name: is missing"),
        (
            {"name": "Plugin X", "bundle": "b.js"},
            "chat-transfer:plugin.name: 'Plugin X' is not a name Flex accepts",
        ),
        ({"name": "plugin-x"}, "chat-transfer:plugin.bundle: is missing"),
        ({"name": "plugin-x", "bundle": ""}, "chat-transfer:plugin.bundle: is empty"),
        (
            {"name": "plugin-x", "bundle": "b.js", "version": "v2"},
            "chat-transfer:plugin.version: 'v2' is not a",
        ),
        ({"name": "plugin-x", "bundle": "b.js", "versoin": "2"}, "chat-transfer:plugin.versoin: unknown key"),
        ("plugin-x", "chat-transfer:plugin: is a string that is not a JSON object"),
    ],
)
def test_bad_plugin_config_is_one_line_naming_the_key(plugin, line):
    found = problems(plugin)
    assert len(found) == 1 and found[0].startswith(line) and "(fix: " in found[0], found


def test_names_flex_refuses():
    assert name_problem("plugin-flex-ts-template-v2") is None
    for bad in ("", "Plugin", "-plugin", "plugin x", "@scope/plugin", "p" * 215, None):
        assert name_problem(bad) is not None


def test_versions_order_and_the_derived_version():
    assert version_key("1.10.0") > version_key("1.9.9")
    assert version_key("2.0.0") > version_key("2.0.0-rc.2") > version_key("2.0.0-rc.1")
    assert latest(["0.9.0", "1.10.0", "1.2.0", "junk"]) == "1.10.0"
    assert next_version([]) == "0.0.1"
    assert next_version(["1.2.3", "1.2.10"]) == "1.2.11"
    assert next_version(["1.3.0-rc.1", "1.2.0"]) == "1.3.0"


def test_bundle_problems():
    assert "no such file" in bundle_problem("b.js", None)
    assert "empty" in bundle_problem("b.js", b" \n")
    assert bundle_problem("b.js", b"x" * ASSET_MAX_BYTES) is None
    assert f"{ASSET_MAX_BYTES + 1} bytes" in bundle_problem("b.js", b"x" * (ASSET_MAX_BYTES + 1))
