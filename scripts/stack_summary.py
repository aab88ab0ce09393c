"""Prints the one-line summary `make local-up` ends with, from `pulumi stack output --json` on stdin."""

import json
import sys


def summary(outputs: dict) -> str:
    if not outputs:
        return "local stack is up: no outputs yet (the program registers nothing)"
    workflow = next((v for k, v in outputs.items() if "workflow" in k.lower() and "sid" in k.lower()), None)
    urls = []
    for key, value in outputs.items():
        if "url" in key.lower():
            urls.extend(
                value.values() if isinstance(value, dict) else value if isinstance(value, list) else [value]
            )
    parts = [f"workflow {workflow}" if workflow else f"{len(outputs)} outputs"]
    if urls:
        parts.append("functions " + " ".join(str(u) for u in urls))
    return "local stack is up: " + "; ".join(parts)


if __name__ == "__main__":
    print(summary(json.load(sys.stdin)))
