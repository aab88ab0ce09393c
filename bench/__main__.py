"""`make bench` / `python -m bench`: every benchmark in one run, a table of figures, ratios against the
peer and targets (issue 26: 15 s builds the headline, 3 s beside), the profile behind each missed target,
and bench/results.json."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bench import bench_deploy, bench_simulator, bench_workflow
from bench.machine import facts
from bench.report import print_report, targets
from harness.automation import find_cli_root

RESULTS = Path(__file__).resolve().parent / "results.json"


def main(
    deploy: Annotated[bool, typer.Option(help="Run the deploy benchmark against the peer.")] = True,
    latency_ms: Annotated[int, typer.Option(min=0, help="Sandbox latency per API call.")] = 100,
    build_seconds: Annotated[
        float, typer.Option(min=0.1, help="Sandbox build duration of the headline figures.")
    ] = bench_deploy.BUILD_SECONDS,
    secondary_build_seconds: Annotated[
        float, typer.Option(min=0.0, help="Sandbox build duration of the figures beside them (0: none).")
    ] = bench_deploy.SECONDARY_BUILD_SECONDS,
    repeats: Annotated[int, typer.Option(min=1, help="Rounds of no-op / re-deploy / one-file change.")] = 3,
    out: Annotated[Path, typer.Option(help="Where to write the JSON results.")] = RESULTS,
) -> None:
    console = Console(width=160)
    cli_root = find_cli_root()
    pulumi = str(cli_root / "bin" / "pulumi") if cli_root else "pulumi"
    results: dict = {"machine": facts(pulumi, bench_deploy.PEER_PACKAGE)}
    with console.status("workflow: render + validate 500 queues"):
        results["workflow"] = bench_workflow.run()
    with console.status("simulator: 50 queues x 2,000 workers x 10,000 tasks"):
        results["simulator"] = bench_simulator.run()
    if deploy:
        with console.status("deploy: ours (pulumi up) and the peer (serverless-api) against the sandbox"):
            try:
                results["deploy"] = bench_deploy.run(
                    latency_ms, build_seconds, repeats, secondary_build_seconds
                )
            except bench_deploy.BenchError as error:
                console.print(f"[red]{error}[/red]")
                raise typer.Exit(1) from None
    # Other work on a shared machine moves the figures: the load at the end says how much there was.
    results["machine"]["load average (1/5/15 min, at end)"] = " / ".join(f"{v:.2f}" for v in os.getloadavg())
    results["targets"] = [target.as_json() for target in targets(results)]
    print_report(results, console)
    out.write_text(json.dumps(results, indent=2) + "\n")
    console.print(f"results: {out}")


if __name__ == "__main__":
    sys.exit(typer.run(main))
