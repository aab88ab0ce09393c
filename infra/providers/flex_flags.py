"""The feature's Flex flags: `ui_attributes.custom_data.features.conversation_transfer.{enabled,
cold_transfer,
multi_participant}`.

Flex's `POST /Configuration` replaces top-level properties whole, so every write is read-modify-write of
`ui_attributes` that keeps every other key; delete removes only our three keys.

Native messaging transfers: the template feature turns itself off when Flex's
`featureFlags.transfersConfig.enabled`
is on (anchors A16). That flag reaches the Flex UI from `ui_attributes`, so we refuse when
`ui_attributes.featureFlags.transfersConfig.enabled` is true: the two cannot run together.
"""

from __future__ import annotations

import copy

import pulumi
from pulumi import dynamic

from infra.providers.base import TwilioProvider
from infra.rest import FLEX

FLAGS = ("enabled", "cold_transfer", "multi_participant")
FEATURE_PATH = ("custom_data", "features", "conversation_transfer")
RESOURCE_ID = "ui_attributes.custom_data.features.conversation_transfer"
NATIVE_TRANSFERS_MESSAGE = (
    "flex configuration: native messaging transfers are on "
    "(ui_attributes.featureFlags.transfersConfig.enabled) and cannot run together with the "
    "chat-transfer feature (fix: turn off Transfers under Flex > Channel management, or do not "
    "deploy this stack)"
)


def native_transfers_enabled(ui_attributes: dict) -> bool:
    transfers = (ui_attributes.get("featureFlags") or {}).get("transfersConfig") or {}
    return transfers.get("enabled") is True


def ours(ui_attributes: dict) -> dict:
    node = ui_attributes
    for key in FEATURE_PATH:
        node = node.get(key) if isinstance(node, dict) else None
    return {k: node[k] for k in FLAGS if isinstance(node, dict) and k in node}


def with_flags(ui_attributes: dict, flags: dict) -> dict:
    """A copy of `ui_attributes` with our flags set; everything else untouched."""
    merged = copy.deepcopy(ui_attributes)
    node = merged
    for key in FEATURE_PATH:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    node.update({k: bool(flags[k]) for k in FLAGS})
    return merged


def without_flags(ui_attributes: dict) -> dict:
    """A copy of `ui_attributes` without our flags (and without the feature object if we emptied it)."""
    merged = copy.deepcopy(ui_attributes)
    parents = [merged]
    for key in FEATURE_PATH:
        child = parents[-1].get(key)
        if not isinstance(child, dict):
            return merged
        parents.append(child)
    for k in FLAGS:
        parents[-1].pop(k, None)
    if not parents[-1]:
        parents[-2].pop(FEATURE_PATH[-1])
    return merged


class FlexFlagsProvider(TwilioProvider):
    def check(self, olds: dict, news: dict) -> dynamic.CheckResult:
        failures = [
            dynamic.CheckFailure(k, f"{news.get(k)!r} must be true or false (fix: chat-transfer:features)")
            for k in FLAGS
            if not isinstance(news.get(k), bool)
        ]
        return dynamic.CheckResult(news, failures)

    def _write(self, flags: dict) -> dict:
        rest = self.rest()
        config = rest.get(f"{FLEX}/Configuration")
        ui_attributes = config.get("ui_attributes") or {}
        if native_transfers_enabled(ui_attributes):
            raise ValueError(NATIVE_TRANSFERS_MESSAGE)
        rest.call(
            "POST",
            f"{FLEX}/Configuration",
            json_body=True,
            data={"account_sid": config["account_sid"], "ui_attributes": with_flags(ui_attributes, flags)},
        )
        return {k: bool(flags[k]) for k in FLAGS}

    def create(self, props: dict) -> dynamic.CreateResult:
        return dynamic.CreateResult(RESOURCE_ID, self._write(props))

    def update(self, id: str, olds: dict, news: dict) -> dynamic.UpdateResult:
        return dynamic.UpdateResult(self._write(news))

    def read(self, id: str, props: dict) -> dynamic.ReadResult:
        live = ours(self.rest().get(f"{FLEX}/Configuration").get("ui_attributes") or {})
        if not live:
            return dynamic.ReadResult("", {})
        return dynamic.ReadResult(id, {**props, **live}, {**props, **live})

    def delete(self, id: str, props: dict) -> None:
        rest = self.rest()
        config = rest.get(f"{FLEX}/Configuration")
        ui_attributes = config.get("ui_attributes") or {}
        if ours(ui_attributes):
            rest.call(
                "POST",
                f"{FLEX}/Configuration",
                json_body=True,
                data={"account_sid": config["account_sid"], "ui_attributes": without_flags(ui_attributes)},
            )


class FlexFlags(dynamic.Resource):
    def __init__(
        self,
        name: str,
        enabled: bool,
        cold_transfer: bool,
        multi_participant: bool,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            FlexFlagsProvider(),
            name,
            {
                "enabled": enabled,
                "cold_transfer": cold_transfer,
                "multi_participant": multi_participant,
            },
            opts,
        )
