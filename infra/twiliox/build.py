"""Serverless Build (`twiliox:serverless:Build`). Import id: `ZS…/ZB…`.

Made only when the set of function versions, the dependencies or the runtime changes (any change replaces:
builds are immutable). Reads `/Status` about once a second (`poll_offsets`) until `completed`, `failed` or
`build_timeout`; one line on the build resource says how it ended and after how long. A failed build fails
this resource, so the Deployment that depends on it is not touched and the environment keeps serving its
previous build."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

from flex_chat_transfer.infra.cache import cache_root, read_json, write_atomically
from flex_chat_transfer.infra.rest import SERVERLESS
from flex_chat_transfer.infra.twiliox.base import Context, Failure, Kind, carried, import_sids, is_unknown
from flex_chat_transfer.workflow.spec import DEFAULT_BUILD_TIMEOUT

TOKEN = "twiliox:serverless:Build"
TRIGGERS = ("service_sid", "function_versions", "asset_versions", "dependencies", "runtime")


# The status read schedule. Twilio's builds take many seconds and every read counts against the account's
# API limits, so reads come about once a second, as the peer's (serverless-toolkit) do, and never further
# apart than MAX_GAP, so a finished build is noticed at most that late. The first read comes FIRST_READ after
# the create: the test suites' 0.2 s sandbox builds are done by then. Where the service's last build ended is
# known (a window: its last read still `building`, its first `completed`), the whole-second reads are shifted
# to end on the window's end, with a read at its start and one in its middle: the window halves with each
# build down to FINE_GAP, so a build that takes as long as the last one is noticed within that, for one or
# two reads more than the unshifted schedule.
FIRST_READ = 0.25
MAX_GAP = 1.0
FINE_GAP = 0.25
# How many services' last build windows are remembered (the least recently built go first).
REMEMBERED_BUILDS = 64
# A window outside this is damage, not a build time.
LONGEST_BUILD = 3600.0

Window = tuple[float, float]


def poll_offsets(last: Window | None) -> Iterator[float]:
    """Seconds after the build's create at which to read its status, ascending, without end. `last` is
    (last read still building, first read completed) of the service's previous build, or None."""
    if last is None:
        yield FIRST_READ
        yield from (MAX_GAP * n for n in count(1))
        return
    low, high = last
    low = max(low, high - MAX_GAP)  # a window widened by a slow read is narrowed to one gap
    whole_gaps = [high - MAX_GAP * n for n in range(int((high - FIRST_READ) // MAX_GAP), 0, -1)]
    head = [FIRST_READ] if not whole_gaps or whole_gaps[0] > MAX_GAP else []
    head += [*whole_gaps, low]
    if high - low > FINE_GAP:
        head.append((low + high) / 2)
    # One more read just past the window: a build a little slower than the last is not a second late.
    head += [high, high + FINE_GAP]
    previous = 0.0
    for offset in head:
        if offset > previous + 1e-6:
            yield offset
            previous = offset
    yield from (previous + MAX_GAP * n for n in count(1))


def _memory_file() -> Path:
    return cache_root() / "build-windows.json"


def _memory() -> dict[str, Window]:
    """service SID -> its last build's window; entries that are not a sane window are left out."""
    data = read_json(_memory_file())
    if not isinstance(data, dict):
        return {}
    windows = {}
    for sid, window in data.items():
        if (
            isinstance(window, list)
            and len(window) == 2
            and all(isinstance(x, int | float) and not isinstance(x, bool) for x in window)
            and 0 <= window[0] < window[1] <= LONGEST_BUILD
        ):
            windows[sid] = (float(window[0]), float(window[1]))
    return windows


def last_build_window(service_sid: str) -> Window | None:
    """Where the service's last build ended, if this machine's project cache remembers it."""
    return _memory().get(service_sid)


def remember_build_window(service_sid: str, window: Window) -> None:
    """Keeps `window` for the service's next build (a service's SID is its identity: a new service starts
    with nothing remembered)."""
    memory = _memory()
    memory.pop(service_sid, None)
    memory[service_sid] = window
    kept = list(memory.items())[-REMEMBERED_BUILDS:]
    write_atomically(_memory_file(), json.dumps({sid: [round(w[0], 3), round(w[1], 3)] for sid, w in kept}))


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
    def __init__(
        self, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        # The wait's time source: a test drives the sandbox's build clock through these instead of sleeping.
        self.clock, self.sleep = clock, sleep
        super().__init__(
            check_calls_twilio=False,
            token=TOKEN,
            description="A build of a service's function versions and dependencies.",
            inputs={
                "service_sid": ("string", "The service (ZS…)."),
                "function_versions": ("array", "The ZN… function version SIDs."),
                "asset_versions": ("array", "The ZN… asset version SIDs (a Flex plugin's bundles)."),
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
        assets = news.get("asset_versions")
        if isinstance(assets, list | tuple) and not is_unknown(assets):
            news = {**news, "asset_versions": sorted(assets)}  # order is not a change
        if isinstance(versions, list | tuple) and not is_unknown(versions):
            if not versions and not assets:
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
        assets: list[str] = list(inputs.get("asset_versions") or [])
        if inputs.get("shared_environment_sid"):
            carried_over = served_beside(ctx, service_sid, inputs["shared_environment_sid"], inputs)
            versions += carried_over.function_versions
            assets += [sid for sid in carried_over.asset_versions if sid not in assets]
            dependencies = carried_over.dependencies(dependencies, ctx.log)
        deps = [{"name": n, "version": v} for n, v in sorted(dependencies.items())]
        form: dict = {"Dependencies": json.dumps(deps)}
        if versions:
            form["FunctionVersions"] = versions
        if assets:
            form["AssetVersions"] = assets
        if inputs.get("runtime"):
            form["Runtime"] = inputs["runtime"]
        build = rest.create(
            f"{SERVERLESS}/Services/{service_sid}/Builds", form
        )  # a lost duplicate is harmless
        status = self._wait(
            ctx, service_sid, build["sid"], float(inputs.get("build_timeout") or DEFAULT_BUILD_TIMEOUT)
        )
        return build["sid"], {**inputs, "sid": build["sid"], "status": status}

    def _wait(self, ctx: Context, service_sid: str, build_sid: str, timeout: float) -> str:
        rest = ctx.rest()
        started = self.clock()
        building_at = 0.0  # the offset of the last read that answered `building`
        offsets = poll_offsets(last_build_window(service_sid))
        while True:
            offset = next(offsets)
            elapsed = self.clock() - started
            if offset <= elapsed:  # a slow read ran past this one
                continue
            self.sleep(offset - elapsed)
            read_at = self.clock() - started
            status = rest.get(f"{SERVERLESS}/Services/{service_sid}/Builds/{build_sid}/Status")["status"]
            elapsed = self.clock() - started
            if status == "completed":
                if read_at > building_at:
                    remember_build_window(service_sid, (building_at, read_at))
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
            building_at = read_at

    def update(self, ctx: Context, id: str, olds: dict, news: dict) -> dict:
        # Only build_timeout (or legacy state) can change without a replacement: nothing to do on Twilio.
        return carried(id, news, status=olds.get("status"))

    def read(self, ctx: Context, id: str, state: dict) -> tuple[str, dict, dict] | None:
        service_sid = state.get("service_sid")
        if not state:
            service_sid, id = import_sids(id, ("ZS", "ZB"), "service SID / build SID")
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
