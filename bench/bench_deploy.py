"""Deploy cost against the peer, side by side in one sandbox (100 ms per call), at 15 s builds (the headline:
a realistic Twilio build, issue 26) and at 3 s builds (beside it).

Ours: the `local` stack (Pulumi.local.yaml), `pulumi up --yes --skip-preview` run as a command (the stack is
made with harness/automation.py beforehand), in a scratch project with a file backend and an empty project
cache in a tmp dir (so cold is a first deploy on this machine, whatever ran before): (a) cold `pulumi up`,
(b) no-op up, (c) up after one function file changed (a tmp copy of functions/, through
CHAT_TRANSFER_FUNCTIONS_DIR; each round's edit is new, as a user's is). The peer: the real
@twilio-labs/serverless-api (bench/package.json) deploying the same functions/ under its own service name,
cold and again, through a bench-only Node preload that sends its twilio.com requests to the sandbox.

Every step is measured as wall time plus the slice of the sandbox request log it caused (calls by product
and method, build status reads, writes, what the writes made; the call count is checked against the
sandbox's own request summary) and a profile: the busiest endpoints and, for ours, the engine's
per-resource timeline, for when a target is missed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.requestlog import profile, summarize
from flex_chat_transfer.infra.functions_source import load_project, preflight
from flex_chat_transfer.sandbox.testing import SandboxProcess
from harness.automation import StackRunner, find_cli_root, write_scratch_project

REPO = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
STACK = "local"
# The sandbox-only local stack's passphrase (Makefile LOCAL_STACK_PASSPHRASE; not a secret).
LOCAL_PASSPHRASE = "chat-transfer-local-sandbox"
PEER_SERVICE = "chat-transfer-peer"
PEER_PACKAGE = BENCH / "node_modules" / "@twilio-labs" / "serverless-api"
CHANGED_FILE = "functions/common/flex/conversations/update-attributes.js"
LATENCY_MS = 100
BUILD_SECONDS = 15.0  # the headline: a realistic Twilio build (issue 26), where its wait dominates
SECONDARY_BUILD_SECONDS = 3.0
REPEATS = 3
MANY_FUNCTIONS = 50


class BenchError(RuntimeError):
    """A benchmark step could not run; one line saying which and why."""


def ensure_peer_installed() -> None:
    """`npm ci` in bench/ once (the peer is a bench-only dependency, pinned in bench/package-lock.json)."""
    if PEER_PACKAGE.is_dir():
        return
    done = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                          cwd=BENCH, capture_output=True, text=True)
    if done.returncode != 0:
        reason = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"
        raise BenchError(f"bench/package-lock.json: npm ci failed: {reason} (fix: run `npm ci` in bench/)")


def copy_functions(target: Path, count: int | None = None) -> Path:
    """A copy of functions/; with `count`, topped up with small generated functions to that many files."""
    shutil.copytree(REPO / "functions", target, ignore=shutil.ignore_patterns("node_modules", "test"))
    if count:
        existing = len(list((target / "functions").rglob("*.js")))
        extra = target / "functions" / "bench"
        extra.mkdir(parents=True, exist_ok=True)
        for n in range(count - existing):
            (extra / f"generated-{n:02d}.js").write_text(
                f"exports.handler = (context, event, callback) => callback(null, {{ n: {n} }});\n"
            )
    return target


def _measure(sandbox: SandboxProcess, action: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    entries = sandbox.requests()
    mark = entries[-1]["id"] if entries else 0
    total_before = sandbox.summary()["total"]
    started = time.perf_counter()
    detail = action()
    seconds = time.perf_counter() - started
    log = sandbox.requests(since=mark)
    summary = summarize(log)
    counted = sandbox.summary()["total"] - total_before
    if counted != summary["calls"]:
        raise BenchError(f"sandbox request log: its summary counts {counted} calls, its entries "
                         f"{summary['calls']} (fix: nothing else may use the bench's sandbox)")
    return {"seconds": round(seconds, 3), **summary, "profile": profile(log), **detail}


# ---- ours ------------------------------------------------------------------------------------------------
def local_stack_runner(tmp: Path, sandbox: SandboxProcess, functions_dir: Path) -> StackRunner:
    """The `local` stack as `make local-up` runs it, but with its project, state and functions in `tmp`."""
    project = write_scratch_project(tmp / "project")
    shutil.copy(REPO / "Pulumi.local.yaml", project / f"Pulumi.{STACK}.yaml")
    runner = StackRunner(
        project,
        STACK,
        tmp / "state",
        passphrase=os.environ.get("PULUMI_CONFIG_PASSPHRASE", LOCAL_PASSPHRASE),
        env={**sandbox.env(), "CHAT_TRANSFER_FUNCTIONS_DIR": str(functions_dir),
             "CHAT_TRANSFER_CACHE_DIR": str(tmp / "cache")},
    )
    runner.stack  # noqa: B018 - select/create the stack outside the timings, as `pulumi stack select` does
    return runner


def _resource_label(urn: str) -> str:
    """`urn:…::twiliox:serverless:Build::chat-transfer-build` -> `Build chat-transfer-build`."""
    type_, name = urn.split("::")[-2:]
    kind = type_.rsplit("$", 1)[-1].rsplit(":", 1)[-1]
    return f"{kind} {name}"


def _our_up(runner: StackRunner) -> dict[str, Any]:
    """One `pulumi up --yes --skip-preview` as a user or CI job runs it: the CLI itself, timed from its start
    to its exit like the peer's node process (no automation API around it). Its phases come from the
    engine's event log, read as it is written: start-up until the first resource step, the resource steps,
    the engine's wrap-up after the last one; plus the slowest resource steps."""
    cli_root = find_cli_root()
    pulumi = str(cli_root / "bin" / "pulumi") if cli_root else "pulumi"
    began: dict[str, tuple[float, str]] = {}
    timeline: list[dict[str, Any]] = []
    marks: dict[str, float] = {}
    changes: dict[str, Any] = {}

    def on_event(event: dict[str, Any], now: float) -> None:
        pre = event.get("resourcePreEvent")
        if pre is not None and not pre["metadata"]["type"].startswith("pulumi:pulumi:"):
            marks.setdefault("first_step", now)
            began[pre["metadata"]["urn"]] = (now, pre["metadata"]["op"])
        outputs = event.get("resOutputsEvent")
        if outputs is not None and outputs["metadata"]["urn"] in began:
            marks["last_step"] = now
            start, op = began.pop(outputs["metadata"]["urn"])
            timeline.append({"resource": _resource_label(outputs["metadata"]["urn"]), "op": op,
                             "start": round(start, 2), "seconds": round(now - start, 2)})
        summary = event.get("summaryEvent")
        if summary is not None:
            marks["summary"] = now
            changes.update(summary.get("resourceChanges") or {})

    with tempfile.TemporaryDirectory(prefix="bench-events-") as scratch:
        events = Path(scratch) / "events.jsonl"
        events.touch()
        with events.open(encoding="utf-8") as log, tempfile.TemporaryFile() as output:
            started = time.perf_counter()
            process = subprocess.Popen(
                [pulumi, "up", "--yes", "--skip-preview", "--non-interactive", "--color", "never",
                 "--stack", runner.stack_name, "--event-log", str(events)],
                # --event-log is one of the CLI's debug flags (the automation API turns them on the same way).
                cwd=runner.project_dir,
                env={**os.environ, **runner.environment(), "PULUMI_DEBUG_COMMANDS": "true"},
                stdout=output, stderr=subprocess.STDOUT,
            )
            pending = ""
            while True:
                exited = process.poll() is not None
                finished = time.perf_counter() - started
                chunk = log.read()
                pending += chunk
                *lines, pending = pending.split("\n")
                now = time.perf_counter() - started
                for line in lines:
                    if line.strip():
                        on_event(json.loads(line), now)
                if exited and not chunk:
                    break
                if not chunk:
                    time.sleep(0.02)
            if process.returncode != 0:
                output.seek(0)
                said = [line.strip() for line in output.read().decode(errors="replace").splitlines()]
                errors = [line for line in said if line.startswith("error:")] or said[-1:] or [""]
                raise BenchError(f"pulumi up: exit {process.returncode}: {errors[0]} "
                                 "(fix: run `make local-up` to see why)")
    first = marks.get("first_step", marks.get("summary", finished))
    last = marks.get("last_step", first)
    phases = {
        "start-up (CLI, program, look-ups, pre-flight) until the first resource step": first,
        "resource steps (diff, create, update)": last - first,
        "engine wrap-up (state, plugins) until the CLI exits": finished - last,
    }
    moved = (row for row in timeline if row["op"] not in ("same", "read"))
    slow = sorted(moved, key=lambda row: -row["seconds"])
    return {
        "changes": changes,
        "first_step_seconds": round(first, 2),
        "phases": {name: round(seconds, 2) for name, seconds in phases.items()},
        "timeline": slow[:8],
    }


def fixed_costs(functions_dir: Path, cache: Path) -> dict[str, float]:
    """What every `pulumi up` of ours pays before its first Twilio call, each timed on its own: the CLI's
    start, the program's imports in a fresh Python, and the functions pre-flight (cold and cached)."""
    cli_root = find_cli_root()
    pulumi = str(cli_root / "bin" / "pulumi") if cli_root else "pulumi"
    costs = {}
    started = time.perf_counter()
    subprocess.run([pulumi, "version"], capture_output=True, check=True)
    costs["pulumi CLI start (`pulumi version`)"] = time.perf_counter() - started
    started = time.perf_counter()
    imports = "import flex_chat_transfer.infra.component, flex_chat_transfer.infra.lookup, " \
        "flex_chat_transfer.infra.functions_source"
    subprocess.run([sys.executable, "-c", imports], cwd=REPO, capture_output=True, check=True)
    costs["Python start + program imports"] = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="bench-node-check-") as empty_cache:
        started = time.perf_counter()
        preflight(load_project(functions_dir), cache_dir=Path(empty_cache))
        costs["functions pre-flight, nothing cached (one node process)"] = time.perf_counter() - started
    started = time.perf_counter()
    preflight(load_project(functions_dir), cache_dir=cache / "node-check")
    costs["functions pre-flight, files this node passed before (no node process)"] = (
        time.perf_counter() - started
    )
    return {name: round(seconds, 3) for name, seconds in costs.items()}


# ---- the peer --------------------------------------------------------------------------------------------
def _peer_deploy(sandbox: SandboxProcess, functions_dir: Path, service_sid: str | None) -> dict[str, Any]:
    arguments = {
        "cwd": str(functions_dir),
        "serviceName": PEER_SERVICE,
        "serviceSid": service_sid,
        "functionsEnv": "local",
        "runtime": "node22",
    }
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"), **sandbox.env()}
    started = time.perf_counter()
    done = subprocess.run(
        ["node", "--require", str(BENCH / "peer" / "redirect-twilio.cjs"), str(BENCH / "peer" / "deploy.cjs"),
         json.dumps(arguments)],
        cwd=BENCH, env=env, capture_output=True, text=True, timeout=600,
    )
    if done.returncode != 0:
        reason = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"
        raise BenchError(f"peer deploy ({PEER_SERVICE}): {reason} (fix: `npm ci` in bench/, Node >= 18)")
    node_seconds = time.perf_counter() - started
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["in_process_seconds"] = round(result.pop("seconds"), 3)
    # Its clock starts once the package is loaded; the process's start-up comes before it.
    boot = node_seconds - result["in_process_seconds"]
    steps = result.pop("steps")
    # Each status step lasts until the next one starts (repeated "building" updates are one step): the
    # peer's own profile.
    timeline: list[dict[str, Any]] = [
        {"step": "node start-up, loading the package, exit", "start": -boot}
    ]
    for step in steps:
        if timeline[-1]["step"] != step["status"]:
            timeline.append({"step": step["status"], "start": step["at"]})
    for row, following in zip(timeline, [*timeline[1:], None], strict=True):
        end = following["start"] if following else result["in_process_seconds"]
        row["seconds"] = round(end - row["start"], 2)
        row["start"] = round(row["start"] + boot, 2)  # from the process's start, like our timelines
    result["timeline"] = timeline
    return result


# ---- the run ---------------------------------------------------------------------------------------------
def _median_of(samples: list[dict[str, Any]]) -> dict[str, Any]:
    """The sample with the median wall time (its own calls and profile), with every sample's time and
    what every sample wrote and read of its builds (a write or poll target must hold in each round, not only
    in the median one)."""
    ranked = sorted(samples, key=lambda sample: sample["seconds"])
    return {
        **ranked[(len(ranked) - 1) // 2],
        "samples": [sample["seconds"] for sample in samples],
        "samples_write_kinds": [sample["write_kinds"] for sample in samples],
        "samples_writes": [sample["writes"] for sample in samples],
        "samples_status_reads": [sample["status_reads"] for sample in samples],
        "samples_builds": [sample["builds"] for sample in samples],
    }


def _scenario(latency_ms: int, build_seconds: float, repeats: int) -> dict:
    """Cold deploys once each; then `repeats` rounds of (our no-op, the peer's re-deploy, our one-file
    change), interleaved so both sides see the same load on a shared machine. Each figure is the median."""
    with tempfile.TemporaryDirectory(prefix="bench-deploy-") as scratch:
        tmp = Path(scratch)
        ours_dir = copy_functions(tmp / "ours" / "functions")
        peer_dir = copy_functions(tmp / "peer" / "functions")
        with SandboxProcess(tmp / "sandbox", latency_ms=latency_ms, build_seconds=build_seconds) as sandbox:
            runner = local_stack_runner(tmp, sandbox, ours_dir)
            cold = _measure(sandbox, lambda: _our_up(runner))
            peer_cold = _measure(sandbox, lambda: _peer_deploy(sandbox, peer_dir, None))
            # Re-deploys as twilio-run does them: with the service SID it saved (.twiliodeployinfo).
            service_sid = peer_cold["serviceSid"]
            noops, redeploys, one_files = [], [], []
            changed = ours_dir / CHANGED_FILE
            for round_ in range(1, max(1, repeats) + 1):
                noops.append(_measure(sandbox, lambda: _our_up(runner)))
                redeploys.append(_measure(sandbox, lambda: _peer_deploy(sandbox, peer_dir, service_sid)))
                # New text every round and every run: node --check has not seen it, as with a user's edit.
                edit = f"// bench: one changed file ({round_}, {uuid.uuid4()})\n"
                changed.write_text(changed.read_text() + edit)
                one_files.append(_measure(sandbox, lambda: _our_up(runner)))
            fixed = fixed_costs(ours_dir, tmp / "cache")
    return {
        "latency_ms": latency_ms,
        "build_seconds": build_seconds,
        "repeats": max(1, repeats),
        "changed_file": CHANGED_FILE,
        "ours": {"cold": cold, "noop": _median_of(noops), "one_file": _median_of(one_files),
                 "fixed_costs": fixed},
        "peer": {"cold": peer_cold, "redeploy": _median_of(redeploys)},
    }


def _many_functions_cold(latency_ms: int, build_seconds: float, count: int = MANY_FUNCTIONS) -> dict:
    """Cold deploys of a `count`-function project, ours and the peer's, in a fresh sandbox."""
    with tempfile.TemporaryDirectory(prefix="bench-many-") as scratch:
        tmp = Path(scratch)
        ours_dir = copy_functions(tmp / "ours" / "functions", count)
        peer_dir = copy_functions(tmp / "peer" / "functions", count)
        with SandboxProcess(tmp / "sandbox", latency_ms=latency_ms, build_seconds=build_seconds) as sandbox:
            runner = local_stack_runner(tmp, sandbox, ours_dir)
            cold = _measure(sandbox, lambda: _our_up(runner))
            peer_cold = _measure(sandbox, lambda: _peer_deploy(sandbox, peer_dir, None))
    return {"functions": count, "build_seconds": build_seconds, "ours": cold, "peer": peer_cold}


def run(latency_ms: int = LATENCY_MS, build_seconds: float = BUILD_SECONDS, repeats: int = REPEATS,
        secondary_build_seconds: float = SECONDARY_BUILD_SECONDS) -> dict:
    """The scenario and a 50-function cold deploy at `build_seconds` (the headline, where the targets are
    read), then both again at `secondary_build_seconds` (reported beside; 0 skips them)."""
    ensure_peer_installed()
    results = _scenario(latency_ms, build_seconds, repeats)
    results["many_functions"] = _many_functions_cold(latency_ms, build_seconds)
    if secondary_build_seconds:
        secondary = _scenario(latency_ms, secondary_build_seconds, repeats)
        secondary["many_functions"] = _many_functions_cold(latency_ms, secondary_build_seconds)
        results["secondary"] = secondary
    return results


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
