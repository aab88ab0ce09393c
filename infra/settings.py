"""Deploy settings that are not part of the workflow spec, split off the `chat-transfer:` config before the
workflow library's loader sees it (the loader rejects unknown keys)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

DEFAULT_BUILD_TIMEOUT = 300.0
NAMESPACE = "chat-transfer:"


class SettingsError(ValueError):
    pass


def config_values(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The `chat-transfer:` keys of a full config map, without the namespace."""
    return {k[len(NAMESPACE) :]: v for k, v in raw.items() if k.startswith(NAMESPACE)}


def split_deploy_settings(values: Mapping[str, Any]) -> tuple[dict[str, Any], float]:
    """(values for the loader, build timeout seconds) from `functions.buildTimeout`."""
    values = dict(values)
    functions = values.get("functions")
    if isinstance(functions, str):
        try:
            functions = json.loads(functions)
        except ValueError:
            return values, DEFAULT_BUILD_TIMEOUT  # the loader reports it
    if not isinstance(functions, Mapping) or "buildTimeout" not in functions:
        return values, DEFAULT_BUILD_TIMEOUT
    functions = dict(functions)
    raw = functions.pop("buildTimeout")
    values["functions"] = functions
    try:
        timeout = float(raw)
    except (TypeError, ValueError):
        timeout = -1.0
    if isinstance(raw, bool) or not 0 < timeout <= 3600:
        raise SettingsError(
            f"chat-transfer:functions.buildTimeout: {raw!r} is not a number of seconds in 1..3600 "
            "(fix: e.g. 300)"
        )
    return values, timeout
