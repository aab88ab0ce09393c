"""The machine the figures were measured on: every benchmark output names it."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from pathlib import Path


def _first_line(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"unavailable ({error.__class__.__name__})"
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0] if lines else "unavailable"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def package_version(package_json: Path) -> str:
    try:
        return json.loads(package_json.read_text())["version"]
    except (OSError, ValueError, KeyError):
        return "not installed"


def facts(pulumi: str = "pulumi", peer_package: Path | None = None) -> dict[str, str]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    result = {
        "cpus (nproc)": str(cpus),
        "cpu model": cpu_model(),
        "load average (1/5/15 min, at start)": " / ".join(f"{value:.2f}" for value in load),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "node": _first_line(["node", "--version"]),
        "pulumi": _first_line([pulumi, "version"]),
    }
    if peer_package is not None:
        result["@twilio-labs/serverless-api"] = package_version(peer_package / "package.json")
    return result
