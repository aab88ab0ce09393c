"""Serverless Build (`twiliox:serverless:Build`). Import id: `ZS…/ZB…`.

Made only when the set of function versions, the dependencies or the runtime changes (any change replaces:
builds are immutable). Polls `/Status` until `completed`, `failed` or `build_timeout`; one line on the build
resource says how it ended and after how long. A failed build fails this resource, so the Deployment that
depends on it is not touched and the environment keeps serving its previous build."""

from __future__ import annotations

import json
import re
import time

from infra.rest import SERVERLESS
from infra.twiliox.base import Context, Failure, Kind, carried, is_unknown

TOKEN = "twiliox:serverless:Build"
TRIGGERS = ("service_sid", "function_versions", "dependencies", "runtime")
DEFAULT_TIMEOUT = 300.0
PAIR = re.compile(r"^(ZS[0-9a-fA-F]{32})/(ZB[0-9a-fA-F]{32})$")


class BuildFailed(RuntimeError):
    pass


class Build(Kind):
    # Small services build in seconds: for the first 10 s a finished build is noticed ~0.1 s later (a GET
    # about every 0.2 s); longer builds are polled every half second (the peer polls every second).
    poll_interval = 0.1
    slow_poll_interval = 0.5
    fast_poll_seconds = 10.0

    def __init__(self) -> None:
        super().__init__(
            check_calls_twilio=False,
            token=TOKEN,
            description="A build of a service's function versions and dependencies.",
            inputs={
                "service_sid": ("string", "The service (ZS…)."),
                "function_versions": ("array", "The ZN… function version SIDs."),
                "dependencies": ("object", "npm package → version."),
                "runtime": ("string", "e.g. node22."),
                "build_timeout": ("number", "Seconds to wait for the build (not sent to Twilio)."),
            },
            outputs={"sid": ("string", "The ZB… SID."), "status": ("string", "completed, failed, building…")},
            required=("service_sid", "function_versions"),
            replace_on=TRIGGERS,
            id_format="ZS…/ZB…",
        )

    def check(self, ctx: Context, olds: dict, news: dict) -> dict:
        versions = news.get("function_versions")
        if isinstance(versions, list | tuple) and not is_unknown(versions):
            if not versions:
                raise Failure("function_versions", "is empty (fix: add a function file)")
            news = {**news, "function_versions": sorted(versions)}  # order is not a change
        timeout = news.get("build_timeout")
        if timeout is not None and not is_unknown(timeout) and float(timeout) <= 0:
            raise Failure(
                "build_timeout", f"{timeout} must be > 0 seconds (fix: chat-transfer:functions.buildTimeout)"
            )
        return news

    def create(self, ctx: Context, inputs: dict) -> tuple[str, dict]:
        rest = ctx.rest()
        service_sid = inputs["service_sid"]
        deps = [{"name": n, "version": v} for n, v in sorted((inputs.get("dependencies") or {}).items())]
        form = {"FunctionVersions": list(inputs["function_versions"]), "Dependencies": json.dumps(deps)}
        if inputs.get("runtime"):
            form["Runtime"] = inputs["runtime"]
        build = rest.create(
            f"{SERVERLESS}/Services/{service_sid}/Builds", form
        )  # a lost duplicate is harmless
        status = self._wait(
            ctx, service_sid, build["sid"], float(inputs.get("build_timeout") or DEFAULT_TIMEOUT)
        )
        return build["sid"], {**inputs, "sid": build["sid"], "status": status}

    def _wait(self, ctx: Context, service_sid: str, build_sid: str, timeout: float) -> str:
        rest = ctx.rest()
        started = time.monotonic()
        while True:
            status = rest.get(f"{SERVERLESS}/Services/{service_sid}/Builds/{build_sid}/Status")["status"]
            elapsed = time.monotonic() - started
            if status == "completed":
                ctx.log(f"build {build_sid} completed after {elapsed:.1f}s")
                return status
            if status == "failed":
                raise BuildFailed(
                    f"build {build_sid} failed on Twilio after {elapsed:.1f}s (the environment keeps its "
                    "previous build; fix: run `node --check` on the functions and check "
                    "functions/package.json and the runtime)"
                )
            if elapsed > timeout:
                raise BuildFailed(
                    f"build {build_sid} still {status} after {timeout:.0f}s (the environment keeps its "
                    "previous build; fix: raise chat-transfer:functions.buildTimeout or retry)"
                )
            time.sleep(self.poll_interval if elapsed < self.fast_poll_seconds else self.slow_poll_interval)

    def update(self, ctx: Context, id: str, olds: dict, news: dict) -> dict:
        # Only build_timeout (or legacy state) can change without a replacement: nothing to do on Twilio.
        return carried(id, news, status=olds.get("status"))

    def read(self, ctx: Context, id: str, state: dict) -> tuple[str, dict, dict] | None:
        service_sid = state.get("service_sid")
        if not state:
            match = PAIR.match(id)
            if not match:
                raise Failure("", f"import id {id!r}: expected ZS…/ZB… (service SID / build SID)")
            service_sid, id = match.groups()
        live = ctx.rest().find(f"{SERVERLESS}/Services/{service_sid}/Builds/{id}")
        if live is None:
            return None
        if state:
            outs = {**state, "status": live["status"]}
            return id, outs, {k: state[k] for k in self.inputs if k in state}
        inputs = {
            "service_sid": service_sid,
            "function_versions": sorted(v["sid"] for v in live.get("function_versions") or []),
            "dependencies": {d["name"]: d["version"] for d in live.get("dependencies") or []},
            "runtime": live.get("runtime"),
        }
        return id, {**inputs, "sid": id, "status": live["status"]}, inputs

    def delete(self, ctx: Context, id: str, state: dict) -> None:
        # Builds go with their service; deleting one an environment serves would break the live site.
        return None
