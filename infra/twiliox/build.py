"""Serverless Build (`twiliox:serverless:Build`). Import id: `ZS…/ZB…`.

Made only when the set of function versions, the dependencies or the runtime changes (any change replaces:
builds are immutable). Polls `/Status` until `completed`, `failed` or `build_timeout`; one line on the build
resource says how it ended and after how long. A failed build fails this resource, so the Deployment that
depends on it is not touched and the environment keeps serving its previous build."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field

from infra.rest import SERVERLESS
from infra.twiliox.base import Context, Failure, Kind, carried, is_unknown

TOKEN = "twiliox:serverless:Build"
TRIGGERS = ("service_sid", "function_versions", "dependencies", "runtime")
DEFAULT_TIMEOUT = 300.0
PAIR = re.compile(r"^(ZS[0-9a-fA-F]{32})/(ZB[0-9a-fA-F]{32})$")


class BuildFailed(RuntimeError):
    pass


@dataclass
class Served:
    """What a shared environment's live build serves that this stack does not manage."""

    function_versions: list[str] = field(default_factory=list)
    asset_versions: list[str] = field(default_factory=list)
    their_dependencies: dict[str, str] = field(default_factory=dict)

    def dependencies(self, ours: dict[str, str], log) -> dict[str, str]:
        """Theirs and ours in one list. A package both name at different versions gets the higher one, so
        neither side runs an older library than it asked for; one line says so."""
        merged = {**self.their_dependencies, **ours}
        for name, theirs in self.their_dependencies.items():
            if name in ours and ours[name] != theirs:
                merged[name] = max(ours[name], theirs, key=version_key)
                log(
                    f"dependency {name}: {theirs} in the shared environment, {ours[name]} here; "
                    f"the build uses {merged[name]}"
                )
        return merged


def version_key(version: str) -> tuple:
    """Order of npm versions as written in a package.json (`^1.2.3`, `1.10.0`, `latest`)."""
    numbers = re.findall(r"\d+", version)
    return tuple(int(n) for n in numbers[:3]) or (-1,)


def served_beside(ctx: Context, service_sid: str, environment_sid: str, inputs: dict) -> Served:
    """The function versions (at paths other than this stack's), asset versions and dependencies of the
    build `environment_sid` serves now: a build that leaves them out would stop their functions."""
    rest = ctx.rest()
    environment = rest.find(f"{SERVERLESS}/Services/{service_sid}/Environments/{environment_sid}")
    build_sid = (environment or {}).get("build_sid")
    if not build_sid:
        return Served()
    live = rest.get(f"{SERVERLESS}/Services/{service_sid}/Builds/{build_sid}")
    ours = set(inputs.get("function_paths") or [])
    return Served(
        function_versions=[
            v["sid"] for v in live.get("function_versions") or [] if v.get("path") not in ours
        ],
        asset_versions=[v["sid"] for v in live.get("asset_versions") or []],
        their_dependencies={d["name"]: d["version"] for d in live.get("dependencies") or []},
    )


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
                "shared_environment_sid": (
                    "string",
                    "An environment (ZE…) of a shared service: the build also carries the function versions, "
                    "asset versions and dependencies it serves that are not at `function_paths`.",
                ),
                "function_paths": ("array", "The paths of `function_versions` (this stack's functions)."),
            },
            outputs={"sid": ("string", "The ZB… SID."), "status": ("string", "completed, failed, building…")},
            required=("service_sid", "function_versions"),
            replace_on=TRIGGERS,
            id_format="ZS…/ZB…",
            # Read when a build is made (what a shared environment serves then), never a reason to make one.
            not_diffed=("shared_environment_sid", "function_paths"),
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
        versions = list(inputs["function_versions"])
        dependencies = dict(inputs.get("dependencies") or {})
        assets: list[str] = []
        if inputs.get("shared_environment_sid"):
            carried_over = served_beside(ctx, service_sid, inputs["shared_environment_sid"], inputs)
            versions += carried_over.function_versions
            assets = carried_over.asset_versions
            dependencies = carried_over.dependencies(dependencies, ctx.log)
        deps = [{"name": n, "version": v} for n, v in sorted(dependencies.items())]
        form = {"FunctionVersions": versions, "Dependencies": json.dumps(deps)}
        if assets:
            form["AssetVersions"] = assets
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
