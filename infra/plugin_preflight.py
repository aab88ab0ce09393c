"""The Flex plugin's pre-flight (`chat-transfer:plugin`), run by the program before it registers anything: the
bundle file is read and checked, the plugin's versions and the active release are read from Twilio, and the
version to release is decided. Every problem is one line; nothing has been written by then.

The version: the configured one, else the plugin's latest when that is this bundle already (its changelog
names the bundle's content hash), else the patch after the latest. A new version is always greater than the
latest (what `flex:plugins:deploy` requires too); an unchanged bundle keeps its version, so an up writes
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flex_chat_transfer.infra.rest import FLEX, Rest
from flex_chat_transfer.workflow.flex_plugin import (
    PluginSettings,
    bundle_hash,
    bundle_problem,
    latest,
    next_version,
    version_key,
)

PLUGINS = f"{FLEX}/PluginService"
KEY = "chat-transfer:plugin"


class PluginError(ValueError):
    """One line: what, where, how to fix."""


@dataclass(frozen=True)
class PreparedPlugin:
    name: str
    bundle_path: str  # absolute
    content_hash: str
    version: str
    changelog: str
    # The one readable line of what this up changes in the active release, or None when nothing.
    change: str | None
    map_path: str | None = None  # the source map beside the bundle (`<bundle>.map`), if there is one


def changelog_for(owner: str, content_hash: str) -> str:
    return f"{owner}: bundle {content_hash}"


def read_bundle(settings: PluginSettings, project_dir: Path) -> tuple[Path, bytes]:
    path = Path(settings.bundle)
    path = path if path.is_absolute() else project_dir / path
    try:
        content: bytes | None = path.read_bytes() if path.is_file() else None
    except OSError:
        content = None
    if problem := bundle_problem(str(path), content):
        raise PluginError(f"{KEY}.bundle: {problem}")
    assert content is not None
    return path.resolve(), content


def active_plugins(rest: Rest) -> list[dict]:
    """The configured plugins of the active release (the first of the Releases list), or []."""
    releases = rest.get(f"{PLUGINS}/Releases", {"PageSize": 1}).get("releases") or []
    if not releases:
        return []
    return rest.list_all(f"{PLUGINS}/Configurations/{releases[0]['configuration_sid']}/Plugins", "plugins")


def prepare_plugin(rest: Rest, settings: PluginSettings, project_dir: Path, owner: str) -> PreparedPlugin:
    path, content = read_bundle(settings, project_dir)
    content_hash = bundle_hash(content)
    changelog = changelog_for(owner, content_hash)
    plugin = rest.find(f"{PLUGINS}/Plugins/{settings.name}")
    versions = (
        rest.list_all(f"{PLUGINS}/Plugins/{plugin['sid']}/Versions", "plugin_versions") if plugin else []
    )
    by_version = {v["version"]: v for v in versions}
    top = latest(list(by_version))

    def is_this_bundle(version: str) -> bool:
        return content_hash in (by_version.get(version) or {}).get("changelog", "")

    if settings.version is not None:
        version = settings.version
        if version in by_version and not is_this_bundle(version):
            raise PluginError(
                f"{KEY}.version: {settings.name} {version} already exists with another bundle; versions are "
                f"immutable (fix: raise version above {top}, or remove it to derive one)"
            )
        if version not in by_version and top is not None and version_key(version) <= version_key(top):
            raise PluginError(
                f"{KEY}.version: {version} is not greater than {settings.name}'s latest version {top} "
                f"(fix: write a version above {top}, or remove the key to derive one)"
            )
    elif top is not None and is_this_bundle(top):
        version = top
    else:
        version = next_version(list(by_version))
    if plugin is not None and plugin.get("archived"):
        raise PluginError(
            f"{KEY}.name: plugin {settings.name} is archived on this account and takes no new versions "
            "(fix: give the plugin another name)"
        )
    released = active_plugins(rest)
    ours = next((p for p in released if p.get("unique_name") == settings.name), None)
    change = None
    if ours is None and version in by_version and plugin is not None:
        change = (
            f"plugin {settings.name}: {version} is not in the active release (released without it since); "
            "`pulumi up --refresh` releases it again beside the others"
        )
    elif ours is None or ours.get("version") != version:
        before = ours.get("version") if ours else "not released"
        kept = [f"{p['unique_name']}@{p['version']}" for p in released if p is not ours]
        change = (
            f"plugin {settings.name}: {before} → {version} (bundle {content_hash[:19]}…); "
            f"other plugins kept: {', '.join(kept) if kept else 'none'}"
        )
    return PreparedPlugin(
        settings.name, str(path), content_hash, version, changelog, change, source_map(path)
    )


def source_map(bundle: Path) -> str | None:
    """The source map the build wrote beside the bundle, when it is one Twilio can host."""
    candidate = bundle.with_name(bundle.name + ".map")
    try:
        content = candidate.read_bytes() if candidate.is_file() else None
    except OSError:
        return None
    if content is None:
        return None
    if problem := bundle_problem(str(candidate), content):
        raise PluginError(f"{KEY}.bundle: source map {problem}")
    return str(candidate)
