"""Run one deployed function through the Node runtime host (docs/SEAMS.md "Deployed Functions run through the
Node runtime host"): one JSON object in on stdin, one JSON object out on stdout."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path

from twilio.request_validator import RequestValidator

INVOKE_JS = Path(__file__).resolve().parent.parent / "runtime" / "invoke.js"
# Twilio Functions stop an invocation after 10 s (research/twilio-api.md §4, S9).
EXECUTION_LIMIT_SECONDS = 10.0


@dataclass(frozen=True)
class Invocation:
    build_dir: Path
    function_path: str
    context: dict[str, str]
    event: dict
    headers: dict[str, str]
    method: str
    sandbox_url: str


@dataclass(frozen=True)
class InvocationResult:
    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)


class RuntimeHostError(RuntimeError):
    """The Node host crashed, timed out or answered something that is not the seam's JSON."""


async def invoke(
    invocation: Invocation, node: str = "node", timeout: float = EXECUTION_LIMIT_SECONDS
) -> InvocationResult:
    if not INVOKE_JS.is_file():
        raise RuntimeHostError(f"the Node runtime host {INVOKE_JS} is missing (fix: install sandbox/runtime)")
    payload = json.dumps(
        {
            "build_dir": str(invocation.build_dir),
            "function_path": invocation.function_path,
            "context": invocation.context,
            "event": invocation.event,
            "headers": invocation.headers,
            "method": invocation.method,
            "sandbox_url": invocation.sandbox_url,
        }
    ).encode()
    process = await asyncio.create_subprocess_exec(
        node,
        str(INVOKE_JS),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(payload), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise RuntimeHostError(
            f"function {invocation.function_path} ran longer than {timeout:g} s (Twilio's execution limit)"
        ) from None
    try:
        answer = json.loads(stdout.decode() or "null")
        result = InvocationResult(
            status=int(answer["status"]),
            body=str(answer.get("body") or ""),
            headers={str(k): str(v) for k, v in (answer.get("headers") or {}).items()},
        )
    except (ValueError, TypeError, KeyError):
        tail = stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise RuntimeHostError(
            f"function {invocation.function_path}: the runtime host exited {process.returncode} "
            f"without a result ({tail[0]})"
        ) from None
    return result


def signature_valid(auth_token: str, urls: list[str], params: dict | str, signature: str | None) -> bool:
    """X-Twilio-Signature as Twilio computes it (HMAC-SHA1 of URL + sorted params, keyed by the auth token).

    `urls` are the addresses a caller may have signed: the sandbox address it called and the real
    `https://<domain_name>/<path>` Twilio would have used. A JSON body is passed as a string with the
    `bodySHA256` query parameter, as Twilio does."""
    if not signature:
        return False
    validator = RequestValidator(auth_token)
    return any(validator.validate(url, params, signature) for url in urls)
