"""The program's side of twiliox: the provider resource and one `pulumi.CustomResource` class per resource
kind. Each class takes its type token, keyword arguments and outputs from its kind's own declaration
(`flex_chat_transfer.infra.twiliox.kinds`), so a property is declared once; keyword arguments are the
provider's property names (Twilio's JSON field names).

`aliases_from_dynamic` gives each resource the URN it had under the old dynamic provider, so a stack deployed
by that version upgrades in place (the engine maps the old state entry onto the new resource)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import pulumi

from flex_chat_transfer.infra.twiliox import PACKAGE
from flex_chat_transfer.infra.twiliox.base import Kind
from flex_chat_transfer.infra.twiliox.kinds import KINDS


class Provider(pulumi.ProviderResource):
    """One Twilio account. Credentials not given here come from `TWILIO_*` variables of the deploying
    shell."""

    def __init__(
        self,
        name: str,
        account_sid: pulumi.Input[str] | None = None,
        auth_token: pulumi.Input[str] | None = None,
        api_key: pulumi.Input[str] | None = None,
        api_secret: pulumi.Input[str] | None = None,
        concurrency: int | None = None,
        pinned_account_sid: str | None = None,
        checked_first: list[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "pinnedAccountSid": pinned_account_sid,
            "checkedFirst": checked_first,
            "accountSid": account_sid,
            "authToken": pulumi.Output.secret(auth_token) if auth_token else None,
            "apiKey": api_key,
            "apiSecret": pulumi.Output.secret(api_secret) if api_secret else None,
            "concurrency": concurrency,
        }
        super().__init__(PACKAGE, name, {k: v for k, v in props.items() if v is not None}, opts)


class _Resource(pulumi.CustomResource):
    """A resource of one kind (`KIND`, from `flex_chat_transfer.infra.twiliox.kinds`): its keyword arguments
    are the kind's inputs and its attributes the kind's outputs, so a property declared in the kind is a
    property here too. An input the kind does not declare, or a required one left out, is a TypeError, as a
    wrong argument to a written-out signature would be. `DEFAULTS` are values the program sends when it gives
    none."""

    KIND: ClassVar[Kind]
    DEFAULTS: ClassVar[Mapping[str, Any]] = {}

    def __init_subclass__(cls, token: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if token:
            cls.KIND = KINDS[token]

    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None, **inputs: Any) -> None:
        kind = self.KIND
        unknown = sorted(set(inputs) - set(kind.inputs))
        if unknown:
            raise TypeError(f"{type(self).__name__}() got inputs {kind.token} does not declare: {unknown}")
        missing = [key for key in kind.required if key not in inputs and key not in self.DEFAULTS]
        if missing:
            raise TypeError(f"{type(self).__name__}() is missing required inputs: {missing}")
        props = {key: inputs.get(key, self.DEFAULTS.get(key)) for key in kind.inputs}
        # Output-only properties are declared as None so they become attributes of the object.
        super().__init__(kind.token, name, {**props, **dict.fromkeys(kind.outputs)}, opts)


class Workflow(_Resource, token="twiliox:taskrouter:Workflow"):
    sid: pulumi.Output[str]
    configuration: pulumi.Output[dict]
    found: pulumi.Output[dict | None]


class TaskQueue(_Resource, token="twiliox:taskrouter:TaskQueue"):
    sid: pulumi.Output[str]
    found: pulumi.Output[dict | None]


class Service(_Resource, token="twiliox:serverless:Service"):
    DEFAULTS = {"include_credentials": True, "ui_editable": False}
    sid: pulumi.Output[str]
    found: pulumi.Output[dict | None]


class Environment(_Resource, token="twiliox:serverless:Environment"):
    sid: pulumi.Output[str]
    domain_name: pulumi.Output[str]
    found: pulumi.Output[dict | None]


class Function(_Resource, token="twiliox:serverless:Function"):
    sid: pulumi.Output[str]
    version_sid: pulumi.Output[str]


class Build(_Resource, token="twiliox:serverless:Build"):
    sid: pulumi.Output[str]


class Deployment(_Resource, token="twiliox:serverless:Deployment"):
    sid: pulumi.Output[str]


class Variable(_Resource, token="twiliox:serverless:Variable"):
    """`secret=True` keeps the value encrypted in state and hidden in the engine's output."""

    sid: pulumi.Output[str]

    def __init__(
        self, name: str, opts: pulumi.ResourceOptions | None = None, secret: bool = False, **inputs: Any
    ) -> None:
        if secret:
            inputs["value"] = pulumi.Output.secret(inputs.get("value"))
            secret_value = pulumi.ResourceOptions(additional_secret_outputs=["value"])
            opts = pulumi.ResourceOptions.merge(opts, secret_value)
        super().__init__(name, opts, **inputs)


class ConfigurationKeys(_Resource, token="twiliox:flex:ConfigurationKeys"):
    DEFAULTS = {"take_over": False}
    previous: pulumi.Output[dict]


class PluginBundle(_Resource, token="twiliox:serverless:PluginBundle"):
    DEFAULTS = {"visibility": "protected"}
    version_sid: pulumi.Output[str]
    served_versions: pulumi.Output[list]


class Plugin(_Resource, token="twiliox:flex:Plugin"):
    sid: pulumi.Output[str]


class PluginVersion(_Resource, token="twiliox:flex:PluginVersion"):
    DEFAULTS = {"private": True}
    sid: pulumi.Output[str]


class PluginConfiguration(_Resource, token="twiliox:flex:PluginConfiguration"):
    sid: pulumi.Output[str]
    kept: pulumi.Output[list]


class PluginRelease(_Resource, token="twiliox:flex:PluginRelease"):
    release_sid: pulumi.Output[str]


def alias_from_dynamic(stack: str, project: str, parent_type: str | None, name: str) -> str:
    """The URN a resource had as an old dynamic resource (child of the component `parent_type`)."""
    chain = (
        f"{parent_type}$pulumi-python:dynamic:Resource" if parent_type else "pulumi-python:dynamic:Resource"
    )
    return f"urn:pulumi:{stack}::{project}::{chain}::{name}"
