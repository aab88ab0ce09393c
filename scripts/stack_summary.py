"""Prints the one-line summary `make local-up` ends with, from `pulumi stack output --json` on stdin.

With TWILIO_SANDBOX_URL set, function URLs are shown where the sandbox serves them
(`$TWILIO_SANDBOX_URL/_runtime/<domain>/<path>`), so they can be called as they are.
"""

import json
import os
import sys
from urllib.parse import urlsplit


def _urls(value) -> list[str]:
    if isinstance(value, dict):
        return [str(v) for v in value.values()]
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def _served_at(url: str, sandbox_url: str | None) -> str:
    if not sandbox_url:
        return url
    parts = urlsplit(url)
    return f"{sandbox_url.rstrip('/')}/_runtime/{parts.hostname}{parts.path}"


def summary(outputs: dict, sandbox_url: str | None = None) -> str:
    if not outputs:
        return "local stack is up: no outputs yet (the program registers nothing)"
    workflow = next((v for k, v in outputs.items() if "workflow" in k.lower() and "sid" in k.lower()), None)
    urls = [_served_at(u, sandbox_url) for k, v in outputs.items() if "url" in k.lower() for u in _urls(v)]
    parts = [f"workflow {workflow}" if workflow else f"{len(outputs)} outputs"]
    if urls:
        parts.append("functions " + " ".join(urls))
    return "local stack is up: " + "; ".join(parts)


if __name__ == "__main__":
    print(summary(json.load(sys.stdin), os.environ.get("TWILIO_SANDBOX_URL")))
