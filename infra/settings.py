"""Deploy settings that are not part of the workflow spec, split off the `chat-transfer:` config before the
workflow library's loader sees it (the loader rejects unknown keys)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from infra.twiliox import DEFAULT_CONCURRENCY, MAX_CONCURRENCY
from infra.twiliox.flex import KEY_NAME

DEFAULT_BUILD_TIMEOUT = 300.0
NAMESPACE = "chat-transfer:"
# The Flex configuration key (under ui_attributes.custom_data) the plugin reads the functions' domain from.
DEFAULT_FLEX_DOMAIN_KEY = "serverless_functions_domain"
# custom_data members that are not a domain: our owner records, the feature flags' object, and the keys the
# plugin reads beside the domain (the stack leaves those to the user: protocol defaults to https, no port).
RESERVED_CUSTOM_DATA = (
    "chat_transfer_owners",
    "features",
    "serverless_functions_protocol",
    "serverless_functions_port",
)


class SettingsError(ValueError):
    pass


def config_values(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The `chat-transfer:` keys of a full config map, without the namespace."""
    return {k[len(NAMESPACE) :]: v for k, v in raw.items() if k.startswith(NAMESPACE)}


@dataclass(frozen=True)
class DeploySettings:
    """What the program reads from stack config besides the workflow spec, read once."""

    build_timeout: float = DEFAULT_BUILD_TIMEOUT
    flex_take_over: bool = False
    concurrency: int = DEFAULT_CONCURRENCY
    flex_domain_key: str = DEFAULT_FLEX_DOMAIN_KEY


def per_stack_defaults(values: Mapping[str, Any], stack: str) -> dict[str, Any]:
    """Names that must differ between two stacks of one account when the config leaves them out: the workflow
    `Chat Transfer (<stack>)` and the Functions service `chat-transfer-<stack>` (the environment already
    defaults to the stack name). A stack that sets them keeps its names."""
    values = dict(values)
    values.setdefault("workflowName", f"Chat Transfer ({stack})")
    functions = values.get("functions")
    if isinstance(functions, str):
        try:
            functions = json.loads(functions)
        except ValueError:
            return values  # the loader reports it
    if functions is None:
        functions = {}
    if isinstance(functions, Mapping) and "serviceName" not in functions:
        slug = re.sub(r"[^a-z0-9-]+", "-", stack.lower()).strip("-")
        values["functions"] = {**functions, "serviceName": f"chat-transfer-{slug}"[:50].rstrip("-")}
    return values


def read_deploy_settings(raw: Mapping[str, Any], stack: str) -> tuple[dict[str, Any], DeploySettings]:
    """(values for the workflow loader, deploy settings) from the full stack config."""
    values = per_stack_defaults(config_values(raw), stack)
    take_over = values.pop("flexTakeOver", False)
    if isinstance(take_over, str):
        take_over = {"true": True, "false": False}.get(take_over.lower(), take_over)
    if not isinstance(take_over, bool):
        raise SettingsError(
            f"chat-transfer:flexTakeOver: {take_over!r} is not true or false (fix: true or false)"
        )
    raw_concurrency = raw.get("twilio:concurrency", DEFAULT_CONCURRENCY)
    try:
        concurrency = int(raw_concurrency)
    except (TypeError, ValueError):
        concurrency = 0
    if isinstance(raw_concurrency, bool) or not 1 <= concurrency <= MAX_CONCURRENCY:
        raise SettingsError(
            f"twilio:concurrency: {raw_concurrency!r} is not a number of calls in 1..{MAX_CONCURRENCY} "
            "(fix: e.g. 10)"
        )
    flex_domain_key = read_flex_settings(values.pop("flex", None))
    values, build_timeout = split_deploy_settings(values)
    return values, DeploySettings(build_timeout, take_over, concurrency, flex_domain_key)


def read_flex_settings(raw: Any) -> str:
    """`chat-transfer:flex` → the custom_data key the functions' domain is written to."""
    if raw is None:
        return DEFAULT_FLEX_DOMAIN_KEY
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raw = None
    if not isinstance(raw, Mapping):
        raise SettingsError(
            "chat-transfer:flex: not an object (fix: e.g. {domainKey: serverless_functions_domain})"
        )
    unknown = sorted(set(raw) - {"domainKey"})
    if unknown:
        raise SettingsError(
            f"chat-transfer:flex.{unknown[0]}: unknown key (fix: remove it; known: domainKey)"
        )
    key = raw.get("domainKey", DEFAULT_FLEX_DOMAIN_KEY)
    if not isinstance(key, str) or not KEY_NAME.match(key) or key in RESERVED_CUSTOM_DATA:
        raise SettingsError(
            f"chat-transfer:flex.domainKey: {str(key)[:80]!r} is not a key name the stack may set under "
            "ui_attributes.custom_data (fix: letters, digits, _ and -, no dots, not one of "
            f"{', '.join(RESERVED_CUSTOM_DATA)}; e.g. serverless_functions_domain)"
        )
    return key


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
