"""What every twiliox resource kind shares: the kind interface the server dispatches to, the per-call context
(one Twilio client per thread, a log line on the resource) and the plain-value conversions.

A kind works on plain Python values (dict, list, str, float/int, bool, None); a value not known yet during
preview is `UNKNOWN`. Property names are Twilio's own JSON field names (`friendly_name`, `workspace_sid`,
`unique_name`, …), the names Twilio's API answers with, so what a kind stores reads like what Twilio returns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# The kinds take UNKNOWN from here; what it means is the ownership policy's too (preview of a new stack).
from flex_chat_transfer.infra.ownership_policy import UNKNOWN as UNKNOWN
from flex_chat_transfer.infra.ownership_policy import is_unknown as is_unknown
from flex_chat_transfer.infra.rest import Rest
from flex_chat_transfer.infra.twiliox.urns import resource_name
from flex_chat_transfer.workflow.twilio_limits import sid_pattern


class Failure(ValueError):
    """A problem found in Check: (property or "", one line)."""

    def __init__(self, prop: str, reason: str) -> None:
        super().__init__(reason)
        self.prop, self.reason = prop, reason


def import_sids(id: str, prefixes: tuple[str, ...], names: str) -> tuple[str, ...]:
    """The SIDs of a composite `pulumi import` id (`ZS…/ZE…` for prefixes ("ZS", "ZE")), in order; a Failure
    naming the expected form (`names` says what each SID is) for any other id."""
    parts = tuple(id.split("/"))
    well_formed = len(parts) == len(prefixes) and all(
        sid_pattern(prefix).match(sid) for prefix, sid in zip(prefixes, parts, strict=True)
    )
    if not well_formed:
        expected = "/".join(f"{prefix}…" for prefix in prefixes)
        raise Failure("", f"import id {id!r}: expected {expected} ({names})")
    return parts


class NotOurs(ValueError):
    """An object with our name exists but this stack does not hold it (Check refuses; Create
    double-checks)."""


@dataclass
class Context:
    """What a kind's method may use: `rest()` (the thread's client for this provider's account), `log(line)`
    (an info line on the resource being worked on), `read_once(url)` (a shared read for Checks) and the
    `urn` of the resource (`name` is its last part)."""

    rest: Callable[[], Rest]
    log: Callable[[str], None]
    urn: str = ""
    # A GET answered once per provider process, for Checks: the engine runs them one after another, so a
    # read several Checks need (the Flex configuration) is fetched once and shared. Writes read fresh.
    read_once: Callable[[str], dict] = field(default=lambda url: {})

    @property
    def name(self) -> str:
        return resource_name(self.urn)


@dataclass
class Kind:
    """One Twilio resource kind. `inputs`/`outputs` describe the schema (name → (type, description));
    `required` the inputs that must be set; `replace_on` inputs Twilio cannot change in place."""

    token: str = ""
    description: str = ""
    inputs: dict[str, tuple[str, str]] = field(default_factory=dict)
    outputs: dict[str, tuple[str, str]] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    replace_on: tuple[str, ...] = ()
    secret_inputs: tuple[str, ...] = ()
    id_format: str = ""  # how `pulumi import` ids look, for the schema and the docs
    # False for a kind whose Check only looks at its inputs (never calls Twilio): it is answered at once.
    check_calls_twilio: bool = True
    # Inputs an imported object had when it was imported, recorded in state (`found`) and put back by
    # destroy, which then leaves the object in place (the stack did not create it).
    restorable: tuple[str, ...] = ()
    # False for a kind whose own delete already gives back what it changed (Flex keys keep `previous`).
    leaves_imports: bool = True
    # Inputs that steer how the provider works, not properties of the Twilio object: a change of one of them
    # alone is no change (nothing to send, nothing to rebuild).
    not_diffed: tuple[str, ...] = ()

    # -- the operations; every one may raise TwilioApiError / requests errors (the server words them) --
    def check(self, ctx: Context, olds: dict, news: dict) -> dict:
        """The inputs to store; raise Failure (or a list via `failures`) for bad input."""
        return news

    def check_calls_twilio_for(self, olds: dict, news: dict) -> bool:
        """Whether this Check may call Twilio (else it is answered inline)."""
        return self.check_calls_twilio

    def create(self, ctx: Context, inputs: dict) -> tuple[str, dict]:
        raise NotImplementedError

    def read(self, ctx: Context, id: str, state: dict) -> tuple[str, dict, dict] | None:
        """(id, outputs, inputs) of the live object, or None when it is gone. `state` is empty on import,
        where `id` may be the composite import id."""
        raise NotImplementedError

    def update(self, ctx: Context, id: str, olds: dict, news: dict) -> dict:
        raise NotImplementedError

    def delete(self, ctx: Context, id: str, state: dict) -> None:
        raise NotImplementedError

    def upgrade_state(self, state: dict) -> dict:
        """State written by the old dynamic provider, in this kind's shape (most kinds kept their names)."""
        return state

    # -- objects the stack did not create (imported, or attached to) --
    def found_values(self, outputs: dict, inputs: dict) -> dict:
        """What destroy must put back on an object imported with these live `outputs`/`inputs`."""
        return {key: inputs[key] for key in self.restorable if key in inputs}

    def give_back(self, ctx: Context, id: str, state: dict) -> None:
        """Destroy of an object the stack did not create: put `state["found"]` back, leave the object."""
        ctx.log(f"leaving {id} in place: this stack imported it")

    # -- shared helpers --
    def changed(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
        """Input keys whose value differs (an unknown new value counts as a change)."""
        return [
            key
            for key in self.inputs
            if key not in self.not_diffed and (is_unknown(news.get(key)) or olds.get(key) != news.get(key))
        ]


FOUND = "found"
FOUND_SCHEMA = (
    "object",
    "Set when the object was imported (the stack did not create it): what it held then. Destroy puts that "
    "back and leaves the object in place.",
)


def found(state: Mapping[str, Any]) -> dict | None:
    """What an imported object held when it was imported (None for an object the stack created)."""
    value = state.get(FOUND)
    return value if isinstance(value, dict) else None


def legacy_keys(state: Mapping[str, Any]) -> bool:
    """True for state written by the old dynamic provider (it carried a pickled `__provider`)."""
    return "__provider" in state


def carried(id: str, news: Mapping[str, Any], adopted: bool = False, **extra: Any) -> dict:
    """Outputs for an update with nothing to send to Twilio (state written by the old dynamic provider whose
    inputs did not change): the inputs as given, the SID, and the legacy `adopted` mark if it was set."""
    outs = {**{k: v for k, v in news.items() if not k.startswith("__")}, "sid": id, **extra}
    if adopted:
        outs["adopted"] = True
    return outs
