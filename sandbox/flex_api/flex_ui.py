"""`GET /_sandbox/flex-ui`: what Flex UI would load now. The active release's plugin versions, each URL
fetched the way Flex fetches it (a private version with Twilio's signature, a public one without) and its
JavaScript syntax-checked with `node --check`, as the sandbox checks functions in a build.

A URL on an environment domain of this sandbox (`https://<domain_name>/<path>`) is fetched at
`/_runtime/<domain_name>/<path>` over HTTP, so what Flex would get is exactly what the runtime serves.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from twilio.request_validator import RequestValidator

from flex_chat_transfer.sandbox.core.http import Ctx

FETCH_TIMEOUT_SECONDS = 10


def flex_ui(ctx: Ctx) -> dict[str, Any]:
    service = ctx.backend_of("flex-api").plugins
    active = service.active_release()
    if active is None:
        return {"release": None, "configuration": None, "plugins": []}
    plugins = []
    for entry in service.configured_plugins(active["configuration_sid"]):
        error = _load(ctx, entry["plugin_url"], entry["private"])
        plugins.append(
            {
                "name": entry["unique_name"],
                "version": entry["version"],
                "url": entry["plugin_url"],
                "loaded": error is None,
                "error": error,
            }
        )
    return {"release": active["sid"], "configuration": active["configuration_sid"], "plugins": plugins}


def _load(ctx: Ctx, url: str, private: bool) -> str | None:
    """None when the bundle loads, else why not (one line)."""
    parts = urlsplit(url)
    serverless = ctx.backend_of("serverless")
    headers = {}
    if private:
        # Twilio signs the address it fetches, the environment's real https URL.
        headers["X-Twilio-Signature"] = RequestValidator(ctx.state.auth_token).compute_signature(url, {})
    target = url
    if serverless.environment_by_domain(parts.hostname or "") is not None:
        target = f"{ctx.base_url}/_runtime/{parts.hostname}{parts.path}" + (
            f"?{parts.query}" if parts.query else ""
        )
    try:
        response = requests.get(target, headers=headers, timeout=FETCH_TIMEOUT_SECONDS)
    except requests.RequestException as error:
        return f"fetching {url} failed: {type(error).__name__}"
    if response.status_code != 200:
        return f"fetching {url} answered HTTP {response.status_code}"
    return _syntax_problem(ctx.state.settings.node, response.content)


def _syntax_problem(node: str, source: bytes) -> str | None:
    with tempfile.TemporaryDirectory(prefix="flex-ui-") as folder:
        bundle = Path(folder) / "bundle.js"
        bundle.write_bytes(source)
        result = subprocess.run([node, "--check", str(bundle)], capture_output=True, text=True, timeout=60)
    if result.returncode == 0:
        return None
    lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
    error = next(
        (line for line in lines if line.split(":", 1)[0].endswith("Error")), lines[-1] if lines else ""
    )
    return f"node --check failed: {error}"
