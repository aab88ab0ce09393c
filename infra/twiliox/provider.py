"""The twiliox provider: the engine's Configure/Check/Diff/Create/Read/Update/Delete dispatched to one kind
module per Twilio resource, on a bounded thread pool (the Twilio client is synchronous).

Credentials come from the provider's configuration (`accountSid`, `authToken` or `apiKey`/`apiSecret`; the
program fills them from the stack's `twilio:*` keys), else from `TWILIO_*` variables. They live only in this
process.

Every failure becomes one line naming the resource, the call and what Twilio said (or that it did not answer),
and that re-running `pulumi up` resumes; the traceback goes to a log file whose path the line gives.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pulumi.provider.experimental import provider as p
from pulumi.provider.experimental.property_value import Computed, PropertyValue

from flex_chat_transfer.infra import sdk_compat
from flex_chat_transfer.infra.cache import cache_root
from flex_chat_transfer.infra.call_slots import NORMAL, URGENT, call_priority
from flex_chat_transfer.infra.rest import Rest, TwilioApiError
from flex_chat_transfer.infra.twilio_constants import CONFIG_KEYS, DEFAULT_CONCURRENCY, MAX_CONCURRENCY
from flex_chat_transfer.infra.twiliox import PACKAGE
from flex_chat_transfer.infra.twiliox.base import (
    FOUND,
    UNKNOWN,
    Context,
    Failure,
    Kind,
    NotOurs,
    found,
    is_unknown,
    legacy_keys,
)
from flex_chat_transfer.infra.twiliox.flex import CONFIGURATION_URL
from flex_chat_transfer.infra.twiliox.kinds import KINDS
from flex_chat_transfer.infra.twiliox.schema import schema_json
from flex_chat_transfer.infra.twiliox.urns import parse_urn, resource_name, resource_type
from flex_chat_transfer.infra.twiliox.variable import TOKEN as VARIABLE_TOKEN

# Threads answering engine calls: more than the highest call bound, so a Check or a build's wait never queues
# behind calls that wait for a Twilio slot (the slots bound what reaches Twilio). A cap, not a cost: the pool
# starts a thread only when a call finds none idle.
WORKER_THREADS = MAX_CONCURRENCY + 32
# The kinds on the way to the Functions build and its deployment (the long pole of a deploy): their calls
# get Twilio slots first.
URGENT_KINDS = frozenset(
    kind.token for kind in KINDS.values() if kind.token.startswith(f"{PACKAGE}:serverless:")
) - {VARIABLE_TOKEN}
# At most this long a write waits for the resources checked first (infra/registration.py); they are
# registered at once, so only a run that never checks one of them (`--target`) waits this long.
CHECKS_WAIT_SECONDS = 20.0
# Provider config key → the stack config key the program reads it from (for messages).
PROVIDER_KEYS = {
    "accountSid": "account_sid",
    "authToken": "auth_token",
    "apiKey": "api_key",
    "apiSecret": "api_secret",
}


class OneLine(Exception):
    """The message the engine shows for a failed call, already worded."""


def log_path() -> Path:
    explicit = os.environ.get("CHAT_TRANSFER_PROVIDER_LOG")
    if explicit:
        return Path(explicit)
    return cache_root() / "twiliox-provider.log"


def _write_log(text: str) -> Path:
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as out:
            out.write(f"--- {time.strftime('%Y-%m-%dT%H:%M:%S')} pid {os.getpid()}\n{text}\n")
    except OSError:
        pass
    return path


# The engine's older wire form of an unknown value: a plain string (e.g. an output of a resource still to be
# created, in `pulumi preview --refresh`). It must never reach Twilio as a SID.
UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


# -- PropertyValue <-> plain values --
def to_plain(value: PropertyValue) -> Any:
    """The plain value a kind works on. The wire carries every number as a double: a whole one becomes an int
    here, the one place values come off the wire, so kinds see the integers Twilio's fields hold."""
    inner = value.value
    if isinstance(inner, Computed) or inner == UNKNOWN_STRING:
        return UNKNOWN
    if isinstance(inner, float) and inner.is_integer():
        return int(inner)
    if isinstance(inner, Mapping):
        return {k: to_plain(v) for k, v in inner.items()}
    if isinstance(inner, tuple | list):
        return [to_plain(v) for v in inner]
    return inner


def plain_map(values: Mapping[str, PropertyValue]) -> dict:
    return {k: to_plain(v) for k, v in values.items()}


def to_value(value: Any) -> PropertyValue:
    if value is UNKNOWN:
        # The SDK cannot marshal PropertyValue.computed() back to the engine; the string form it can.
        return PropertyValue(UNKNOWN_STRING)
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return PropertyValue(value)
    if isinstance(value, int | float):
        return PropertyValue(float(value))
    if isinstance(value, Mapping):
        return PropertyValue({str(k): to_value(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return PropertyValue([to_value(v) for v in value])
    return PropertyValue(str(value))


def value_map(values: Mapping[str, Any]) -> dict[str, PropertyValue]:
    return {k: to_value(v) for k, v in values.items() if v is not None and not k.startswith("__")}


def detailed_diff(key: str, old: Any, new: Any, replace: bool) -> dict[str, p.PropertyDiff]:
    """Per-path differences (`configuration.task_routing.filters[1].targets[0].queue`), for `preview
    --diff`."""
    kinds = p.PropertyDiffKind
    if old is None:
        return {key: p.PropertyDiff(kinds.ADD_REPLACE if replace else kinds.ADD, True)}
    if new is None:
        return {key: p.PropertyDiff(kinds.DELETE_REPLACE if replace else kinds.DELETE, True)}
    if isinstance(old, dict) and isinstance(new, dict) and not is_unknown(new):
        out: dict[str, p.PropertyDiff] = {}
        for sub in sorted(set(old) | set(new)):
            if old.get(sub) != new.get(sub):
                out.update(detailed_diff(f"{key}.{sub}", old.get(sub), new.get(sub), replace))
        return out
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new) and not is_unknown(new):
        out = {}
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            if a != b:
                out.update(detailed_diff(f"{key}[{index}]", a, b, replace))
        return out
    return {key: p.PropertyDiff(kinds.UPDATE_REPLACE if replace else kinds.UPDATE, True)}


class TwilioxProvider(p.Provider):
    def __init__(self, engine_address: str | None = None) -> None:
        self.engine_address = engine_address
        self.settings: dict[str, Any] = {}
        self.concurrency = DEFAULT_CONCURRENCY
        self.pool = ThreadPoolExecutor(max_workers=WORKER_THREADS, thread_name_prefix="twiliox")
        self._local = threading.local()
        self._reads: dict[str, Future] = {}
        self._reads_lock = threading.Lock()
        self._prefetching = False
        self._engine = None
        self._engine_lock = threading.Lock()
        # Set when the credentials are for another account than the one the stack is pinned to: every
        # operation answers with it before any call (infra/account_pin.py).
        self.wrong_account: str | None = None
        # Resources whose Checks must pass before any write (infra/registration.py), those passed so far, the
        # first refused, and the event Creates and Updates wait on.
        self.checked_first: frozenset[str] = frozenset()
        self._passed: set[str] = set()
        self._refused: str | None = None
        self._checks_done: asyncio.Event | None = None

    # -- configuration --
    async def get_schema(self, request: p.GetSchemaRequest) -> p.GetSchemaResponse:
        return p.GetSchemaResponse(schema=schema_json(KINDS.values()))

    async def check_config(self, request: p.CheckRequest) -> p.CheckResponse:
        return p.CheckResponse(inputs=request.new_inputs)

    async def diff_config(self, request: p.DiffRequest) -> p.DiffResponse:
        olds, news = plain_map(request.old_state), plain_map(request.new_inputs)
        keys = [
            k for k in sorted(set(olds) | set(news)) if olds.get(k) != news.get(k) and not k.startswith("__")
        ]
        # New credentials or a new bound change how calls are made, never what the resources are: no replace.
        # With changes the engine configures this provider with the new inputs (sdk_compat says why the value
        # is the wire enum's).
        return p.DiffResponse(changes=sdk_compat.config_diff_changes(bool(keys)), diffs=keys)

    async def configure(self, request: p.ConfigureRequest) -> p.ConfigureResponse:
        args = plain_map(request.args)
        self.settings = {}
        for key, setting in PROVIDER_KEYS.items():
            # `accountSid` from the program's provider; `twilio:accountSid` in the one up that upgrades a
            # dynamic-provider stack: the engine configures the aliased provider with the old default
            # provider's inputs, which were the stack's config keys.
            value = args.get(key) or args.get(CONFIG_KEYS[setting])
            if isinstance(value, str) and value:
                self.settings[CONFIG_KEYS[setting]] = value
        from flex_chat_transfer.infra.account_pin import pin_problem

        first = args.get("checkedFirst")
        names = first if isinstance(first, list) else []
        self.checked_first = frozenset(n for n in names if isinstance(n, str))
        self._checks_done = asyncio.Event()
        if not self.checked_first:
            self._checks_done.set()
        pinned = args.get("pinnedAccountSid")
        self.wrong_account = pin_problem(pinned if isinstance(pinned, str) else None, self.settings)
        try:
            asked = int(float(args.get("concurrency") or DEFAULT_CONCURRENCY))
            self.concurrency = max(1, min(asked, MAX_CONCURRENCY))
        except (TypeError, ValueError):
            self.concurrency = DEFAULT_CONCURRENCY
        # Plain values in (the engine unwraps secrets and marks outputs of secret inputs secret again).
        return p.ConfigureResponse(accept_secrets=False, supports_preview=False)

    def rest(self) -> Rest:
        rest = getattr(self._local, "rest", None)
        if rest is None:
            # The HTTP stack (requests, the twilio SDK) loads with the first call: a run that calls nobody
            # (a no-op up) does not pay for it at start-up.
            from flex_chat_transfer.infra.client import client_from_settings

            rest = self._local.rest = Rest(client_from_settings(self.settings, concurrency=self.concurrency))
        return rest

    def read_once(self, url: str) -> dict:
        with self._reads_lock:
            future = self._reads.get(url)
            if future is None:
                future = self._reads[url] = Future()
                owner = True
            else:
                owner = False
        if owner:
            try:
                future.set_result(self.rest().get(url))
            except BaseException as error:  # noqa: BLE001 - handed to every reader of this URL
                future.set_exception(error)
        return future.result()

    # -- engine log lines on a resource --
    def log(self, urn: str, message: str) -> None:
        if not self.engine_address:
            return
        try:
            import grpc
            from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc

            with self._engine_lock:
                if self._engine is None:
                    self._engine = engine_pb2_grpc.EngineStub(grpc.insecure_channel(self.engine_address))
            self._engine.Log(engine_pb2.LogRequest(severity=engine_pb2.INFO, message=message, urn=urn))
        except Exception:  # noqa: BLE001 - a lost progress line must never fail the deploy
            pass

    def context(self, urn: str) -> Context:
        return Context(
            rest=self.rest, log=lambda line: self.log(urn, line), urn=urn, read_once=self.read_once
        )

    # -- running a kind's method, worded failures --
    async def _run(self, urn: str, call: str, fn: Callable[[], Any], inline: bool = False) -> Any:
        """`fn` on a worker thread, its Twilio calls at the kind's priority; `inline` runs a call that never
        reaches Twilio right here (the engine waits for each Check before it looks at the next resource, so
        a thread hop per Check adds up over 50 functions)."""
        loop = asyncio.get_running_loop()
        priority = URGENT if resource_type(urn) in URGENT_KINDS else NORMAL

        def prioritized() -> Any:
            with call_priority(priority):
                return fn()

        try:
            if inline:
                return fn()
            return await loop.run_in_executor(self.pool, prioritized)
        except (Failure, NotOurs, ExceptionGroup):
            raise
        except Exception as error:  # noqa: BLE001 - every failure is worded here, none escapes raw
            raise OneLine(self.describe(urn, call, error)) from None

    def describe(self, urn: str, call: str, error: Exception) -> str:
        import requests

        from flex_chat_transfer.infra.client import CredentialsError, credentials_source

        name = resource_name(urn)
        kind = resource_type(urn) or PACKAGE
        if isinstance(error, CredentialsError):
            return str(error)
        if isinstance(error, TwilioApiError) and error.status in (401, 403):
            return (
                f"{kind} {name}: {call}: Twilio refused the credentials from "
                f"{credentials_source(self.settings)} "
                f"({error}) (fix: check them for this account)"
            )
        if isinstance(error, TwilioApiError):
            said = f"Twilio answered {error}"
        elif isinstance(error, requests.RequestException):
            said = f"Twilio did not answer after retries ({type(error).__name__})"
        else:
            said = str(error) or type(error).__name__
        path = _write_log(f"{kind} {name}: {call}\n" + "".join(traceback.format_exception(error)))
        return f"{kind} {name}: {call} failed: {said}; re-run `pulumi up` to resume (details: {path})"

    @staticmethod
    def kind(urn: str) -> Kind:
        token = resource_type(urn)
        if token not in KINDS:
            raise OneLine(f"{PACKAGE}: unknown resource type {token!r} (known: {', '.join(KINDS)})")
        return KINDS[token]

    def _refuse_claimed(self, ctx: Context, kind: Kind, import_id: str) -> None:
        """An import of an object another stack of the project manages (infra/claims.py) is refused."""
        from flex_chat_transfer.infra.claims import held_elsewhere, held_line, sids_in

        sids = sids_in(import_id)
        if not sids:
            return
        ui = ctx.read_once(CONFIGURATION_URL).get("ui_attributes") or {}
        stack, project, _ = parse_urn(ctx.urn)
        held = held_elsewhere(ui, sids, f"{project}/{stack}")
        if held is not None:
            raise Failure("", held_line("import", *held, "not imported"))

    # -- the operations --
    def _refuse_wrong_account(self) -> None:
        if self.wrong_account:
            raise OneLine(self.wrong_account)

    def _checked(self, urn: str, passed: bool) -> None:
        name = resource_name(urn)
        if name not in self.checked_first or self._checks_done is None:
            return
        if not passed:
            self._refused = self._refused or name
        else:
            self._passed.add(name)
        if not passed or self._passed >= self.checked_first:
            self._checks_done.set()

    async def _after_first_checks(self, urn: str) -> None:
        """A write waits until the resources checked first have passed; after a refusal it writes nothing."""
        if self._checks_done is not None and not self._checks_done.is_set():
            try:
                await asyncio.wait_for(self._checks_done.wait(), CHECKS_WAIT_SECONDS)
            except TimeoutError:
                # Not all of them were checked (e.g. `pulumi up --target`): the engine checked what it runs.
                self._checks_done.set()
        if self._refused is not None:
            raise OneLine(
                f"{resource_name(urn)}: not written: {self._refused} was refused (its line says why); "
                "nothing was written"
            )

    async def check(self, request: p.CheckRequest) -> p.CheckResponse:
        kind = self.kind(request.urn)
        if self.wrong_account:
            failure = p.CheckFailure("", self.wrong_account)
            return p.CheckResponse(inputs=request.new_inputs, failures=[failure])
        olds, news = plain_map(request.old_inputs), plain_map(request.new_inputs)
        if not olds and not self._prefetching:
            # The first resource this run creates (a new stack: its Flex keys are new too): fetch the Flex
            # configuration their Checks read now, beside this Check, instead of inside the engine's
            # one-at-a-time Checks. A run that creates nothing reads nothing. A failure stays in the shared
            # read, for the Check that needs it to report.
            self._prefetching = True
            self.pool.submit(self.read_once, CONFIGURATION_URL)
        olds = kind.upgrade_state(olds) if legacy_keys(olds) else olds
        news = {k: v for k, v in news.items() if not k.startswith("__")}
        try:
            checked = await self._run(
                request.urn,
                "check",
                lambda: kind.check(self.context(request.urn), olds, news),
                inline=not kind.check_calls_twilio_for(olds, news),
            )
        except Failure as failure:
            self._checked(request.urn, passed=False)
            return p.CheckResponse(
                inputs=request.new_inputs, failures=[p.CheckFailure(failure.prop, failure.reason)]
            )
        except NotOurs as refusal:
            self._checked(request.urn, passed=False)
            return p.CheckResponse(inputs=request.new_inputs, failures=[p.CheckFailure("", str(refusal))])
        except ExceptionGroup as group:
            self._checked(request.urn, passed=False)
            failures = [p.CheckFailure(f.prop, f.reason) for f in group.exceptions if isinstance(f, Failure)]
            return p.CheckResponse(inputs=request.new_inputs, failures=failures)
        except BaseException:
            self._checked(request.urn, passed=False)
            raise
        self._checked(request.urn, passed=True)
        return p.CheckResponse(inputs=value_map(checked), failures=[])

    async def diff(self, request: p.DiffRequest) -> p.DiffResponse:
        kind = self.kind(request.urn)
        olds, news = plain_map(request.old_state), plain_map(request.new_inputs)
        legacy = legacy_keys(olds)
        olds = kind.upgrade_state(olds) if legacy else olds
        ignored = set(request.ignore_changes or ())
        changed = [k for k in kind.changed(olds, news) if k not in ignored and (k in news or k in olds)]
        # Keys the program does not set and the state has as output only (e.g. an import's extras) are no
        # change.
        changed = [k for k in changed if k in news]
        replaces = [k for k in changed if k in kind.replace_on]
        detailed: dict[str, p.PropertyDiff] = {}
        for key in changed:
            detailed.update(detailed_diff(key, olds.get(key), news.get(key), key in replaces))
        return p.DiffResponse(
            changes=bool(changed) or legacy,
            replaces=replaces,
            diffs=changed,
            detailed_diff=detailed,
            delete_before_replace=False,
        )

    async def create(self, request: p.CreateRequest) -> p.CreateResponse:
        kind = self.kind(request.urn)
        self._refuse_wrong_account()
        await self._after_first_checks(request.urn)
        inputs = plain_map(request.properties)
        sid, outputs = await self._run(
            request.urn, "create", lambda: kind.create(self.context(request.urn), inputs)
        )
        return p.CreateResponse(resource_id=sid, properties=value_map(outputs))

    async def read(self, request: p.ReadRequest) -> p.ReadResponse:
        kind = self.kind(request.urn)
        self._refuse_wrong_account()
        state = plain_map(request.properties)
        state = kind.upgrade_state(state) if legacy_keys(state) else state

        def read() -> Any:
            ctx = self.context(request.urn)
            if not state:
                self._refuse_claimed(ctx, kind, request.resource_id)
            return kind.read(ctx, request.resource_id, state)

        try:
            live = await self._run(request.urn, "read", read)
        except Failure as failure:
            raise OneLine(f"{kind.token} {resource_name(request.urn)}: {failure.reason}") from None
        if live is None:
            return p.ReadResponse(resource_id="", properties={}, inputs={})
        sid, outputs, inputs = live
        if not state and kind.leaves_imports:
            # An import: the stack did not create this object. What it holds now is what destroy puts back.
            outputs = {**outputs, FOUND: kind.found_values(outputs, inputs)}
        elif found(state) is not None:
            outputs = {**outputs, FOUND: state[FOUND]}
        return p.ReadResponse(resource_id=sid, properties=value_map(outputs), inputs=value_map(inputs))

    async def update(self, request: p.UpdateRequest) -> p.UpdateResponse:
        kind = self.kind(request.urn)
        self._refuse_wrong_account()
        await self._after_first_checks(request.urn)
        olds, news = plain_map(request.olds), plain_map(request.news)
        if legacy_keys(olds):
            olds = kind.upgrade_state(olds)
            if not kind.changed(olds, news):
                # State of the old dynamic provider, inputs unchanged: rewrite the state, call nobody.
                kept = {k: v for k, v in olds.items() if not k.startswith("__")}
                return p.UpdateResponse(properties=value_map({**kept, **news}))
        outputs = await self._run(
            request.urn,
            "update",
            lambda: kind.update(self.context(request.urn), request.resource_id, olds, news),
        )
        if found(olds) is not None:
            outputs = {**outputs, FOUND: olds[FOUND]}  # kept for the destroy that gives it back
        return p.UpdateResponse(properties=value_map(outputs))

    async def delete(self, request: p.DeleteRequest) -> None:
        kind = self.kind(request.urn)
        self._refuse_wrong_account()
        state = plain_map(request.properties)
        state = kind.upgrade_state(state) if legacy_keys(state) else state
        # An object the stack did not create is given back as it was found and left in place.
        operation = kind.give_back if found(state) is not None else kind.delete
        await self._run(
            request.urn, "delete", lambda: operation(self.context(request.urn), request.resource_id, state)
        )
