"""Serverless Build: made only when the set of function versions, the dependencies or the runtime changes.

Polls `/Status` until `completed`, `failed` or the timeout (`build_timeout`, from
chat-transfer:functions.buildTimeout),
printing progress. A failed or timed-out build raises, so the Deployment that depends on it is not
touched and the
environment keeps serving its previous build.
"""

from __future__ import annotations

import json
import time

import pulumi
from pulumi import dynamic

from infra.providers.base import TwilioProvider, is_unknown
from infra.rest import SERVERLESS

TRIGGERS = ("service_sid", "function_versions", "dependencies", "runtime")
DEFAULT_TIMEOUT = 300.0


class BuildFailed(RuntimeError):
    pass


def _outputs(props: dict, sid: str, status: str) -> dict:
    return {
        **{k: props[k] for k in TRIGGERS},
        "build_timeout": props.get("build_timeout"),
        "sid": sid,
        "status": status,
    }


class BuildProvider(TwilioProvider):
    # Half a second: a finished build is noticed 0.25 s later on average (1 s gave 0.5 s), at 2 GETs a second.
    poll_interval = 0.5

    def check(self, olds: dict, news: dict) -> dynamic.CheckResult:
        failures = []
        versions = news.get("function_versions")
        if isinstance(versions, list) and not is_unknown(versions):
            if not versions:
                failures.append(
                    dynamic.CheckFailure("function_versions", "is empty (fix: add a function file)")
                )
            news = {**news, "function_versions": sorted(versions)}  # order is not a change
        timeout = news.get("build_timeout")
        if timeout is not None and not is_unknown(timeout) and float(timeout) <= 0:
            failures.append(
                dynamic.CheckFailure(
                    "build_timeout",
                    f"{timeout} must be > 0 seconds (fix: chat-transfer:functions.buildTimeout)",
                )
            )
        return dynamic.CheckResult(news, failures)

    def diff(self, id: str, olds: dict, news: dict) -> dynamic.DiffResult:
        # A build is immutable: any trigger change means a new build (replace; the old one is left to the
        # service, Twilio refuses to delete a build an environment may still serve).
        changed = [k for k in TRIGGERS if is_unknown(news.get(k)) or olds.get(k) != news.get(k)]
        return dynamic.DiffResult(changes=None, replaces=changed or None, delete_before_replace=False)

    def create(self, props: dict) -> dynamic.CreateResult:
        rest = self.rest()
        service_sid = props["service_sid"]
        deps = [{"name": name, "version": version} for name, version in sorted(props["dependencies"].items())]
        form = {"FunctionVersions": list(props["function_versions"]), "Dependencies": json.dumps(deps)}
        if props.get("runtime"):
            form["Runtime"] = props["runtime"]
        build = rest.create(
            f"{SERVERLESS}/Services/{service_sid}/Builds", form
        )  # a lost duplicate is harmless
        status = self._wait(
            rest, service_sid, build["sid"], float(props.get("build_timeout") or DEFAULT_TIMEOUT)
        )
        return dynamic.CreateResult(build["sid"], _outputs(props, build["sid"], status))

    def _wait(self, rest, service_sid: str, build_sid: str, timeout: float) -> str:
        started = time.monotonic()
        last = None
        while True:
            status = rest.get(f"{SERVERLESS}/Services/{service_sid}/Builds/{build_sid}/Status")["status"]
            elapsed = time.monotonic() - started
            if status != last:
                print(f"build {build_sid}: {status} after {elapsed:.0f}s")
                last = status
            if status == "completed":
                return status
            if status == "failed":
                # Twilio gives no reason; the sandbox adds one (sandbox_failure_reason) and we show it.
                build = rest.get(f"{SERVERLESS}/Services/{service_sid}/Builds/{build_sid}")
                if build.get("sandbox_failure_reason"):
                    raise BuildFailed(
                        f"build {build_sid} failed: {build['sandbox_failure_reason']} (the "
                        "environment keeps its previous build)"
                    )
                raise BuildFailed(
                    f"build {build_sid} failed on Twilio (the environment keeps its previous build; "
                    "fix: run `node --check` on the functions and check functions/package.json)"
                )
            if elapsed > timeout:
                raise BuildFailed(
                    f"build {build_sid} still {status} after {timeout:.0f}s (the environment keeps its "
                    "previous build; fix: raise chat-transfer:functions.buildTimeout or retry)"
                )
            time.sleep(self.poll_interval)

    def update(self, id: str, olds: dict, news: dict) -> dynamic.UpdateResult:
        # Only build_timeout can change without a replacement: nothing to do on Twilio.
        return dynamic.UpdateResult({**olds, "build_timeout": news.get("build_timeout")})

    def read(self, id: str, props: dict) -> dynamic.ReadResult:
        live = self.rest().find(f"{SERVERLESS}/Services/{props['service_sid']}/Builds/{id}")
        if live is None:
            return dynamic.ReadResult("", {})
        return dynamic.ReadResult(id, {**props, "status": live["status"]})

    def delete(self, id: str, props: dict) -> None:
        # Builds go with their service; deleting one an environment serves would break the live site.
        return None


class Build(dynamic.Resource):
    sid: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        service_sid: pulumi.Input[str],
        function_versions: pulumi.Input[list],
        dependencies: dict[str, str],
        runtime: str,
        build_timeout: float | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            BuildProvider(),
            name,
            {
                "service_sid": service_sid,
                "function_versions": function_versions,
                "dependencies": dependencies,
                "runtime": runtime,
                "build_timeout": build_timeout,
                "sid": None,
                "status": None,
            },
            opts,
        )
