"""The benchmark code works (no timing assertions: speed targets live in `make bench`): the workflow and
simulator benchmarks at a tiny size, the request-log summary, the ratio/target logic and the report."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from rich.console import Console

# bench/ is not an installed package; `python -m bench` runs it from the repo root, so do the same here.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench import bench_simulator, bench_workflow  # noqa: E402
from bench.report import print_report, targets  # noqa: E402
from bench.requestlog import endpoint, profile, summarize, write_kind  # noqa: E402

ZS = "ZS" + "a" * 32
ZB = "ZB" + "b" * 32
ZH = "ZH" + "c" * 32
ZE = "ZE" + "d" * 32


def test_workflow_benchmark_renders_and_validates_a_small_workflow():
    result = bench_workflow.run(queues=4, repeats=2)
    assert result["transfer_queues"] == 4
    assert result["queues"] == 5  # the worker-transfer queue too
    assert result["filters"] >= 5
    assert result["repeats"] == 2
    assert result["document_bytes"] > 0
    assert result["within_target"] == (result["total_seconds"] <= result["target_seconds"])


def test_workflow_benchmark_profiles_a_missed_target(monkeypatch):
    monkeypatch.setattr(bench_workflow, "TARGET_SECONDS", 0.0)
    result = bench_workflow.run(queues=3, repeats=1)
    assert result["within_target"] is False
    packages = {row["package"] for row in result["profile"]}
    assert packages & {"jsonschema", "workflow", "referencing"}
    assert abs(sum(row["share"] for row in result["profile"]) - 1) < 0.2


def test_simulator_benchmark_runs_at_a_tiny_size(monkeypatch):
    monkeypatch.setattr(bench_simulator, "QUEUES", 4)
    monkeypatch.setattr(bench_simulator, "WORKERS", 20)
    monkeypatch.setattr(bench_simulator, "TASKS", 50)
    result = bench_simulator.run()
    assert (result["queues"], result["workers"], result["tasks"]) == (4, 20, 50)
    assert result["mean_eligible_workers"] > 0


def _entry(id_, method, path, status=200, ms=100.0):
    product = path.split("/")[1]
    return {"id": id_, "method": method, "product": product, "path": path, "status": status, "ms": ms}


def test_request_log_summary_counts_products_writes_and_what_they_made():
    log = [
        _entry(1, "GET", "/taskrouter/v1/Workspaces"),
        _entry(2, "POST", f"/serverless-upload/v1/Services/{ZS}/Functions/{ZH}/Versions", 201),
        _entry(3, "POST", f"/serverless/v1/Services/{ZS}/Builds", 201),
        _entry(4, "GET", f"/serverless/v1/Services/{ZS}/Builds/{ZB}/Status", ms=300.0),
        _entry(5, "GET", f"/serverless/v1/Services/{ZS}/Builds/{ZB}/Status"),
        _entry(6, "POST", f"/serverless/v1/Services/{ZS}/Environments/{ZE}/Deployments", 201),
        _entry(7, "POST", "/serverless/v1/Services", 409),
        _entry(8, "POST", f"/serverless/v1/Services/{ZS}/Environments/{ZE}/Variables", 201),
    ]
    summary = summarize(log)
    assert summary["calls"] == 8
    assert summary["writes"] == 5
    assert summary["failed"] == 1
    assert summary["by"] == {"serverless GET": 2, "serverless POST": 4, "serverless-upload POST": 1,
                             "taskrouter GET": 1}
    # The refused POST /Services made nothing.
    assert summary["write_kinds"] == {"Variables": 1, "build": 1, "deployment": 1, "upload": 1}
    assert (summary["status_reads"], summary["builds"]) == (2, 1)
    # Everything Serverless but the Variable: the upload, build, 2 status reads, deployment, refused service.
    assert summary["serverless_but_variables"] == 6
    assert endpoint(f"/serverless/v1/Services/{ZS}/Builds/{ZB}/Status") == (
        "/serverless/v1/Services/{ZS}/Builds/{ZB}/Status"
    )
    assert write_kind("POST", f"/serverless/v1/Services/{ZS}/Functions") == "Functions"
    assert write_kind("POST", f"/serverless/v1/Services/{ZS}/Environments/{ZE}") == "Environments update"
    assert write_kind("DELETE", f"/serverless/v1/Services/{ZS}") == "Services delete"
    assert write_kind("GET", f"/serverless/v1/Services/{ZS}") is None
    top = profile(log)[0]
    assert top == {"call": "GET /serverless/v1/Services/{ZS}/Builds/{ZB}/Status", "count": 2,
                   "total_ms": 400.0, "max_ms": 300.0}


def _step(seconds, writes=0, kinds=None, **extra):
    builds = (kinds or {}).get("build", 0)
    return {"seconds": seconds, "calls": writes + 2, "writes": writes, "by": {"serverless GET": 2},
            "write_kinds": kinds or {}, "profile": [], "timeline": [], "status_reads": 16 * builds,
            "builds": builds, "serverless_but_variables": writes + 2, **extra}


def _deploy(noop_seconds, noop_writes=0, one_file_kinds=None):
    phases = {"start-up": 1.0, "resource steps": 0.5}
    kinds = one_file_kinds or {"upload": 1, "build": 1, "deployment": 1}
    building = [{"step": "building", "start": 1.0, "seconds": 3.0}]
    return {
        "latency_ms": 100, "build_seconds": 15.0, "repeats": 1,
        "ours": {
            "cold": _step(4.0, 20, {"build": 1}, phases=phases),
            "noop": _step(noop_seconds, noop_writes, phases=phases),
            "one_file": _step(2.0, sum(kinds.values()), kinds, phases=phases),
            "fixed_costs": {"pulumi CLI start": 0.2},
        },
        "peer": {"cold": _step(5.0, 22, {"build": 1}, timeline=building),
                 "redeploy": _step(5.0, 11, timeline=building)},
    }


def test_targets_compute_the_issue_ratios_calls_polls_and_write_checks():
    met = {t.name: t for t in targets({"deploy": _deploy(0.2)})}
    noop = met["our no-op / peer re-deploy, 15 s builds"]
    assert noop.met and noop.measured.startswith("0.040")
    assert met["our one changed file / peer re-deploy, 15 s builds"].met  # 2.0 / 5.0 = 0.4
    assert met["our cold, 15 s builds"].met  # 4.0 / 5.0
    assert met["Serverless calls but Variables, cold, ours / peer, 15 s builds"].measured == "22 / 24"
    assert met["status reads per build, ours (most in any deploy), 15 s builds"].met
    assert met["writes, our no-op (every round)"].met and met["writes, our one-file change (every round)"].met

    missed = {t.name: t for t in targets({"deploy": _deploy(0.4, noop_writes=1,
                                                           one_file_kinds={"upload": 2, "build": 1,
                                                                           "deployment": 1})})}
    assert not missed["our no-op / peer re-deploy, 15 s builds"].met  # 0.08 > 0.05
    assert not missed["writes, our no-op (every round)"].met
    assert not missed["writes, our one-file change (every round)"].met
    assert missed["writes, our one-file change (every round)"].measured == "2 upload, 1 build, 1 deployment"


def test_serverless_calls_and_status_reads_per_build_are_held_to_the_peer_and_to_20():
    deploy = _deploy(0.2)
    deploy["ours"]["cold"]["serverless_but_variables"] = 25  # the peer's cold: 24
    deploy["ours"]["one_file"]["samples_status_reads"] = [16, 21, 17]  # one round over 20
    deploy["ours"]["one_file"]["samples_builds"] = [1, 1, 1]
    found = {t.name: t for t in targets({"deploy": deploy})}
    calls = found["Serverless calls but Variables, cold, ours / peer, 15 s builds"]
    assert not calls.met and calls.measured == "25 / 24" and calls.key == "cold"
    polls = found["status reads per build, ours (most in any deploy), 15 s builds"]
    assert not polls.met and polls.measured == "21 (the peer: 16)" and polls.key == "one_file"


def test_the_many_functions_cold_target_is_its_own_ratio():
    deploy = _deploy(0.2)
    deploy["many_functions"] = {"functions": 50, "build_seconds": 15.0,
                                "ours": _step(10.5, 60, {"build": 1}, phases={}),
                                "peer": _step(10.0, 62, {"build": 1})}
    found = {t.name: t for t in targets({"deploy": deploy})}
    many = found["our cold, 50 functions, 15 s builds"]
    assert not many.met and many.measured.startswith("1.050")  # > 1.0
    deploy["many_functions"]["ours"]["seconds"] = 9.9
    assert {t.name: t for t in targets({"deploy": deploy})}["our cold, 50 functions, 15 s builds"].met


def test_a_write_target_must_hold_in_every_round_not_only_the_median_one():
    deploy = _deploy(0.2)
    deploy["ours"]["noop"]["samples_writes"] = [0, 2, 0]
    deploy["ours"]["one_file"]["samples_writes"] = [3, 4]
    deploy["ours"]["one_file"]["samples_write_kinds"] = [
        {"upload": 1, "build": 1, "deployment": 1},
        {"upload": 1, "build": 1, "deployment": 1, "Variables": 1},
    ]
    found = {t.name: t for t in targets({"deploy": deploy})}
    assert not found["writes, our no-op (every round)"].met
    assert found["writes, our no-op (every round)"].measured == "2"
    one_file = found["writes, our one-file change (every round)"]
    assert not one_file.met and "1 Variables" in one_file.measured


@pytest.mark.parametrize("noop_seconds, shows_profile", [(0.2, False), (2.0, True)])
def test_report_prints_the_table_and_a_profile_only_for_missed_targets(noop_seconds, shows_profile):
    deploy = _deploy(noop_seconds)
    deploy["secondary"] = {**_deploy(0.3), "build_seconds": 3.0}
    results = {"machine": {"cpus (nproc)": "2"}, "deploy": deploy,
               "workflow": bench_workflow.run(queues=2, repeats=1)}
    console = Console(record=True, width=250)
    print_report(results, console)
    text = console.export_text()
    assert "Deploy figures at 15 s builds (the headline" in text and "3 s builds: ours / peer s" in text
    figures = text.split("Deploy figures")[1].split("\n\n")[0]
    assert "one changed file / peer re-deploy" in figures and "4.00 / 5.00" in figures
    assert "Deploy against the sandbox (100 ms per call, builds 3.0 s" in text  # the secondary's detail
    assert "Ratios and targets" in text and "our cold, 15 s builds" in text
    assert ("Profile, our noop: phases of `pulumi up`" in text) is shows_profile
    assert ("NO" in text.split("Ratios and targets")[1].split("\n\n")[0]) is shows_profile
