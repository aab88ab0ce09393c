"""Serverless Deployment: points an environment at a completed build.

Created only after its Build succeeded (it depends on the build's SID), so a failed build never reaches the
environment. Twilio has no way to remove a deployment; deleting this resource leaves the environment as
is (the
Environment's own deletion takes the deployment with it). `read` reports when someone deployed another build.
"""

from __future__ import annotations

import pulumi
from pulumi import dynamic

from infra.providers.base import TwilioProvider, diff_inputs
from infra.rest import SERVERLESS

FIELDS = ("service_sid", "environment_sid", "build_sid")


def _url(props: dict) -> str:
    return f"{SERVERLESS}/Services/{props['service_sid']}/Environments/{props['environment_sid']}"


class DeploymentProvider(TwilioProvider):
    def check(self, olds: dict, news: dict) -> dynamic.CheckResult:
        return dynamic.CheckResult(news, [])

    def diff(self, id: str, olds: dict, news: dict) -> dynamic.DiffResult:
        return diff_inputs(olds, news, replace_keys=("service_sid", "environment_sid"))

    def _deploy(self, props: dict) -> dict:
        live = self.rest().create(f"{_url(props)}/Deployments", {"BuildSid": props["build_sid"]})
        print(f"deployed build {props['build_sid']} to environment {props['environment_sid']}")
        return {**{k: props[k] for k in FIELDS}, "sid": live["sid"]}

    def create(self, props: dict) -> dynamic.CreateResult:
        outs = self._deploy(props)
        return dynamic.CreateResult(outs["sid"], outs)

    def update(self, id: str, olds: dict, news: dict) -> dynamic.UpdateResult:
        return dynamic.UpdateResult(self._deploy(news))

    def read(self, id: str, props: dict) -> dynamic.ReadResult:
        environment = self.rest().find(_url(props))
        if environment is None:
            return dynamic.ReadResult("", {})
        outs = {**props, "build_sid": environment.get("build_sid")}
        return dynamic.ReadResult(id, outs, {k: outs[k] for k in FIELDS})

    def delete(self, id: str, props: dict) -> None:
        return None


class Deployment(dynamic.Resource):
    sid: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        service_sid: pulumi.Input[str],
        environment_sid: pulumi.Input[str],
        build_sid: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            DeploymentProvider(),
            name,
            {
                "service_sid": service_sid,
                "environment_sid": environment_sid,
                "build_sid": build_sid,
                "sid": None,
            },
            opts,
        )
