"""Test control under /_sandbox/ (DESIGN.md "Sandbox control, credentials and request log"): reset,
request log, faults, Flex tokens, seed SIDs, the clock (advance instead of sleeping), debugger alerts.
Same Basic credentials as the API; these calls are not logged."""

from __future__ import annotations

import re
from typing import Any

from flex_chat_transfer.sandbox.core.errors import InvalidParameter
from flex_chat_transfer.sandbox.core.http import Ctx, Product, route
from flex_chat_transfer.sandbox.core.state import (
    BUILD_FAILED,
    DEFAULT_BUILD_FAILURE_REASON,
    HTTP_FAULT_KINDS,
    Fault,
)
from flex_chat_transfer.sandbox.flex_api.flex_ui import flex_ui
from flex_chat_transfer.sandbox.seeds import apply_seed, seed_info

FAULT_KINDS = (*HTTP_FAULT_KINDS, BUILD_FAILED)


def _body(ctx: Ctx) -> dict[str, Any]:
    body = ctx.params.json_body
    if body is None:
        body = dict(ctx.params.items)
    if not isinstance(body, dict):
        raise InvalidParameter("request body must be a JSON object")
    return body


def reset(ctx: Ctx) -> dict[str, Any]:
    seed = _body(ctx).get("seed", ctx.settings.seed or "empty")
    with ctx.state.store.transaction():
        ctx.state.store.clear_resources()
        info = apply_seed(ctx.state, seed)
    return {"reset": True, "seed": seed, "sids": info}


def requests(ctx: Ctx) -> dict[str, Any]:
    since = ctx.params.get_int("since")
    return {"requests": [e.as_json() for e in ctx.state.log.since(since)]}


def summary(ctx: Ctx) -> dict[str, Any]:
    return ctx.state.log.summary()


def _number(body: dict[str, Any], key: str, default, kind=float):
    value = body.get(key, default)
    if value is None:
        return None
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise InvalidParameter(f"faults.{key} must be a number, got {value!r}") from None


def add_fault(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    body = _body(ctx)
    kind = str(body.get("kind", ""))
    if kind not in FAULT_KINDS:
        raise InvalidParameter(f"faults.kind must be one of {', '.join(FAULT_KINDS)}, got {kind!r}")
    route_regex = str(body.get("route", ".*"))
    try:
        re.compile(route_regex)
    except re.error as exc:
        raise InvalidParameter(
            f"faults.route is not a valid regular expression ({exc}); send a Python regex matched "
            "against the request path, e.g. /Builds$"
        ) from None
    rate = _number(body, "rate", 1.0)
    if rate is None or not 0 <= rate <= 1:
        raise InvalidParameter(f"faults.rate must be between 0 and 1, got {rate}")
    count = _number(body, "count", None, int)
    if count is not None and count < 1:
        raise InvalidParameter(f"faults.count must be 1 or more (or left out for no limit), got {count}")
    fault = Fault(
        route=route_regex,
        kind=kind,
        rate=rate,
        count=count,
        latency_ms=_number(body, "latency_ms", 0, int),
        retry_after=_number(body, "retry_after", 1, int),
        reason=_build_failure_reason(body, kind),
    )
    with ctx.state.faults_lock:
        ctx.state.faults.append(fault)
    return 201, {"faults": _faults(ctx)}


def _build_failure_reason(body: dict[str, Any], kind: str) -> str | None:
    """A build-failed fault's reason becomes a build's one-line `sandbox_failure_reason`."""
    if "reason" not in body:
        return DEFAULT_BUILD_FAILURE_REASON if kind == BUILD_FAILED else None
    reason = body["reason"]
    if kind != BUILD_FAILED:
        raise InvalidParameter(
            f"faults.reason only applies to kind {BUILD_FAILED}; remove it for kind {kind}"
        )
    if not isinstance(reason, str) or len(reason.strip().splitlines()) != 1:
        raise InvalidParameter(f"faults.reason must be one non-empty line of text, got {reason!r}")
    return reason.strip()


def list_faults(ctx: Ctx) -> dict[str, Any]:
    return {"faults": _faults(ctx)}


def _faults(ctx: Ctx) -> list[dict[str, Any]]:
    return [vars(f).copy() for f in ctx.state.faults]


def clear_faults(ctx: Ctx) -> None:
    with ctx.state.faults_lock:
        ctx.state.faults.clear()


def flex_token(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    body = _body(ctx)
    worker_sid = body.get("worker_sid")
    if not worker_sid:
        raise InvalidParameter('worker_sid is required: POST {"worker_sid": "WK…"}')
    ttl = _number(body, "ttl", 3600, int)
    return 201, ctx.backend_of("iam").mint_token(str(worker_sid), ttl)


def seed(ctx: Ctx) -> dict[str, Any]:
    return seed_info(ctx.state)


def clock(ctx: Ctx) -> dict[str, Any]:
    return _clock_json(ctx)


def advance_clock(ctx: Ctx) -> dict[str, Any]:
    """Move every backend's time forward (timeouts, builds, token expiry fall due on the next request)."""
    seconds = _number(_body(ctx), "advance", None)
    if seconds is None or seconds < 0:
        raise InvalidParameter('clock.advance must be a number of seconds >= 0: POST {"advance": 120}')
    ctx.state.clock.advance(seconds)
    ctx.state.clock.save(ctx.state.store.set_meta)
    return _clock_json(ctx)


def _clock_json(ctx: Ctx) -> dict[str, Any]:
    return {"now": ctx.state.clock.iso(), "offset_seconds": ctx.state.clock.offset}


def alerts(ctx: Ctx) -> dict[str, Any]:
    """Twilio's debugger alerts raised while routing (e.g. 40152 known worker not in the target queue)."""
    return {"alerts": ctx.backend_of("taskrouter").list_alerts()}


_P = "_sandbox"
PRODUCTS = [
    Product(
        name=_P,
        routes=[
            route("/reset", _P, POST=reset),
            route("/requests", _P, GET=requests),
            route("/requests/summary", _P, GET=summary),
            route("/faults", _P, GET=list_faults, POST=add_fault, DELETE=clear_faults),
            route("/flex-tokens", _P, POST=flex_token),
            route("/seed", _P, GET=seed),
            route("/clock", _P, GET=clock, POST=advance_clock),
            route("/alerts", _P, GET=alerts),
            route("/flex-ui", _P, GET=flex_ui),
        ],
    )
]
