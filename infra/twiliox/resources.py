"""The program's side of twiliox: typed resource classes (`pulumi.CustomResource` with the provider's type
tokens)
and the provider resource. Keyword arguments are the provider's property names (Twilio's JSON field names).

`aliases_from_dynamic` gives each resource the URN it had under the old dynamic provider, so a stack deployed
by that version upgrades in place (the engine maps the old state entry onto the new resource)."""

from __future__ import annotations

from typing import Any

import pulumi

from infra.twiliox import PACKAGE


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
    TOKEN = ""
    OUTPUTS: tuple[str, ...] = ()

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None) -> None:
        # Output-only properties are declared as None so they become attributes of the object.
        super().__init__(self.TOKEN, name, {**props, **{k: None for k in self.OUTPUTS}}, opts)


class Workflow(_Resource):
    TOKEN = f"{PACKAGE}:taskrouter:Workflow"
    OUTPUTS = ("sid", "found")
    sid: pulumi.Output[str]
    configuration: pulumi.Output[dict]

    def __init__(
        self,
        name: str,
        workspace_sid: pulumi.Input[str],
        friendly_name: pulumi.Input[str],
        configuration: pulumi.Input[dict],
        task_reservation_timeout: pulumi.Input[int] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "workspace_sid": workspace_sid,
            "friendly_name": friendly_name,
            "configuration": configuration,
            "task_reservation_timeout": task_reservation_timeout,
        }
        super().__init__(name, props, opts)


class TaskQueue(_Resource):
    TOKEN = f"{PACKAGE}:taskrouter:TaskQueue"
    OUTPUTS = ("sid", "found")
    sid: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        workspace_sid: pulumi.Input[str],
        friendly_name: pulumi.Input[str],
        target_workers: pulumi.Input[str],
        max_reserved_workers: pulumi.Input[int] | None = None,
        task_order: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "workspace_sid": workspace_sid,
            "friendly_name": friendly_name,
            "target_workers": target_workers,
            "max_reserved_workers": max_reserved_workers,
            "task_order": task_order,
        }
        super().__init__(name, props, opts)


class Service(_Resource):
    TOKEN = f"{PACKAGE}:serverless:Service"
    OUTPUTS = ("sid", "domain_base", "found")
    sid: pulumi.Output[str]
    found: pulumi.Output[dict | None]

    def __init__(
        self,
        name: str,
        unique_name: pulumi.Input[str],
        friendly_name: pulumi.Input[str],
        include_credentials: bool = True,
        ui_editable: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "unique_name": unique_name,
            "friendly_name": friendly_name,
            "include_credentials": include_credentials,
            "ui_editable": ui_editable,
        }
        super().__init__(name, props, opts)


class Environment(_Resource):
    TOKEN = f"{PACKAGE}:serverless:Environment"
    OUTPUTS = ("sid", "domain_name", "build_sid", "found")
    sid: pulumi.Output[str]
    domain_name: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        service_sid: pulumi.Input[str],
        unique_name: pulumi.Input[str],
        domain_suffix: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {"service_sid": service_sid, "unique_name": unique_name, "domain_suffix": domain_suffix}
        super().__init__(name, props, opts)


class Function(_Resource):
    TOKEN = f"{PACKAGE}:serverless:Function"
    OUTPUTS = ("sid", "version_sid", "content_hash", "found")
    sid: pulumi.Output[str]
    version_sid: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        service_sid: pulumi.Input[str],
        path: str,
        visibility: str,
        content: str,
        shared_service: pulumi.Input[bool] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        from infra.twiliox.function import content_hash

        props = {
            "service_sid": service_sid,
            "path": path,
            "visibility": visibility,
            "content": content,
            "shared_service": shared_service,
        }
        super().__init__(name, props, opts)
        self._content_hash = content_hash(content)


class Build(_Resource):
    TOKEN = f"{PACKAGE}:serverless:Build"
    OUTPUTS = ("sid", "status")
    sid: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        service_sid: pulumi.Input[str],
        function_versions: pulumi.Input[list],
        dependencies: dict[str, str],
        runtime: str,
        build_timeout: float | None = None,
        shared_environment_sid: pulumi.Input[str] | None = None,
        function_paths: list[str] | None = None,
        asset_versions: pulumi.Input[list] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "service_sid": service_sid,
            "function_versions": function_versions,
            "asset_versions": asset_versions,
            "dependencies": dependencies,
            "runtime": runtime,
            "build_timeout": build_timeout,
            "shared_environment_sid": shared_environment_sid,
            "function_paths": function_paths,
        }
        super().__init__(name, props, opts)


class Deployment(_Resource):
    TOKEN = f"{PACKAGE}:serverless:Deployment"
    OUTPUTS = ("sid",)
    sid: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        service_sid: pulumi.Input[str],
        environment_sid: pulumi.Input[str],
        build_sid: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {"service_sid": service_sid, "environment_sid": environment_sid, "build_sid": build_sid}
        super().__init__(name, props, opts)


class Variable(_Resource):
    TOKEN = f"{PACKAGE}:serverless:Variable"
    OUTPUTS = ("sid", "found")
    sid: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        service_sid: pulumi.Input[str],
        environment_sid: pulumi.Input[str],
        key: str,
        value: pulumi.Input[str],
        secret: bool = False,
        attached: pulumi.Input[bool | None] = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        if secret:
            value = pulumi.Output.secret(value)
            opts = pulumi.ResourceOptions.merge(
                opts, pulumi.ResourceOptions(additional_secret_outputs=["value"])
            )
        props = {
            "service_sid": service_sid,
            "environment_sid": environment_sid,
            "key": key,
            "value": value,
            "attached": attached,
        }
        super().__init__(name, props, opts)


class ConfigurationKeys(_Resource):
    TOKEN = f"{PACKAGE}:flex:ConfigurationKeys"
    OUTPUTS = ("previous",)

    def __init__(
        self,
        name: str,
        path: str,
        values: pulumi.Input[dict],
        take_over: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(name, {"path": path, "values": values, "take_over": take_over}, opts)


def alias_from_dynamic(stack: str, project: str, parent_type: str | None, name: str) -> str:
    """The URN a resource had as an old dynamic resource (child of the component `parent_type`)."""
    chain = (
        f"{parent_type}$pulumi-python:dynamic:Resource" if parent_type else "pulumi-python:dynamic:Resource"
    )
    return f"urn:pulumi:{stack}::{project}::{chain}::{name}"
