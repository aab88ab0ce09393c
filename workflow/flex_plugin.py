"""The rules a Flex plugin release must meet before anything is written: its name, its version and the size
of its bundle, and how a version is derived when none is configured.

- Name: the Plugins CLI names a plugin after its package.json name, which is also a path segment of the
  bundle's asset (`/plugins/<name>/<version>/bundle.js`): an npm package name without scope (lowercase
  letters, digits, `-`, `_`, `.`, starting with a letter or digit, at most 214 characters).
- Version: semantic (`1.4.0`, `2.0.0-rc.1`), and greater than the plugin's latest version, as the CLI
  requires (`flex:plugins:deploy`).
- Bundle: a Serverless asset; Twilio hosts public and protected assets up to 25 MB each over the API
  (https://www.twilio.com/docs/runtime/functions-assets-api, "Asset Type Maximum Size"). We read MB as
  10^6 bytes, the smaller reading, so a bundle we accept is never one Twilio refuses.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

PLUGIN_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,213}$")
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")
ASSET_MAX_BYTES = 25_000_000
FIRST_VERSION = "0.0.1"


def name_problem(name: object) -> str | None:
    if not isinstance(name, str) or not PLUGIN_NAME.match(name):
        return (
            f"{name!r} is not a name Flex accepts for a plugin: lowercase letters, digits, '-', '_' or '.', "
            "starting with a letter or digit, at most 214 characters (e.g. plugin-chat-transfer)"
        )
    return None


def version_problem(version: object) -> str | None:
    if not isinstance(version, str) or not SEMVER.match(version):
        return f"{version!r} is not a semantic version such as 1.4.0"
    return None


def version_key(version: str) -> tuple[tuple[int, int, int], int, tuple[tuple[int, int, str], ...]]:
    """Semantic-version order: a pre-release comes before its release; pre-release parts compare as numbers
    when they are numbers."""
    match = SEMVER.match(version)
    if match is None:
        return ((-1, -1, -1), 0, ())
    major, minor, patch, pre = match.groups()
    parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in (pre or "").split(".") if pre)
    return ((int(major), int(minor), int(patch)), 0 if pre else 1, parts)


def latest(versions: list[str]) -> str | None:
    valid = [v for v in versions if SEMVER.match(v)]
    return max(valid, key=version_key) if valid else None


def next_version(versions: list[str]) -> str:
    """The patch after the greatest of `versions` (its pre-release and build parts dropped), or 0.0.1."""
    top = latest(versions)
    if top is None:
        return FIRST_VERSION
    major, minor, patch = version_key(top)[0]
    match = SEMVER.match(top)
    if match is not None and match.group(4):  # 1.2.0-rc.1 is followed by 1.2.0
        return f"{major}.{minor}.{patch}"
    return f"{major}.{minor}.{patch + 1}"


def bundle_hash(content: bytes) -> str:
    return "sha256:" + hashlib.sha256(content).hexdigest()


def bundle_problem(path: str, content: bytes | None) -> str | None:
    """Why the bundle file cannot be hosted, or None. `content` None: the file could not be read."""
    if content is None:
        return (
            f"{path}: no such file (fix: build the plugin, e.g. `npm run build`, and point bundle at the .js)"
        )
    if not content.strip():
        return f"{path}: the bundle is empty (fix: build the plugin again)"
    if len(content) > ASSET_MAX_BYTES:
        return (
            f"{path}: {len(content)} bytes; Twilio hosts assets up to {ASSET_MAX_BYTES} bytes (25 MB) "
            "(fix: build for production, without inline source maps)"
        )
    return None


@dataclass(frozen=True)
class PluginSettings:
    """`chat-transfer:plugin`: the Flex plugin's unique name, its built bundle (a path, relative to the
    project directory) and, optionally, the version to release it as."""

    name: str
    bundle: str
    version: str | None = None
