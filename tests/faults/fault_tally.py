"""What the fault suite counts, and the checks every case shares (clear error, nothing written, no secret).

Cases call these helpers instead of bare asserts so the end-of-session summary is computed from what ran.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field

# The IAM token check is a POST that reads; it writes nothing (functions call it on every request).
_NOT_A_WRITE = re.compile(r"^/iam/v1/Accounts/AC\w+/Tokens/validate$")
_PRODUCTS = ("taskrouter", "serverless", "serverless-upload", "flex-api", "conversations", "iam")


@dataclass
class Tally:
    faults_run: list[str] = field(default_factory=list)
    faults_survived: list[str] = field(default_factory=list)
    bad_inputs: list[str] = field(default_factory=list)
    bad_inputs_clear: list[str] = field(default_factory=list)
    # bad inputs past a size or depth bound, or repeating a JSON key
    hostile_inputs: list[str] = field(default_factory=list)
    # authorization: calls for a chat, participant or target that is not the caller's
    refusals: list[str] = field(default_factory=list)
    refusals_clear: list[str] = field(default_factory=list)
    data_lost: int = 0
    secrets_found: int = 0
    secrets_checked: int = 0

    @property
    def ran(self) -> bool:
        return bool(self.faults_run or self.bad_inputs or self.refusals or self.secrets_checked)

    def merge(self, other: dict) -> None:
        """Add a tally handed over as a dict (`dataclasses.asdict`): a pytest-xdist worker's, at its end."""
        for name, value in other.items():
            setattr(self, name, getattr(self, name) + value)

    @contextmanager
    def fault(self, name: str):
        """A fault case: counted as run on entry, as survived only when its recovery assertions pass."""
        self.faults_run.append(name)
        yield
        self.faults_survived.append(name)

    def bad_input(self, name: str, message: str, where: str | Iterable[str], hostile: bool = False) -> None:
        """Count a bad-input case; it is clear when the message is one line that names where the problem
        is and says how to fix it. Asserts so the failing case names itself. `hostile`: the input is past a
        size or depth bound or repeats a JSON key (also counted on its own)."""
        self.bad_inputs.append(name)
        problem = clarity_problem(message, where)
        assert problem is None, f"{name}: {problem}: {message!r}"
        self.bad_inputs_clear.append(name)
        if hostile:
            self.hostile_inputs.append(name)

    def refused(self, name: str, message: str, where: str | Iterable[str]) -> None:
        """Count an authorization case (a caller acting on a chat, participant or target not theirs): its
        refusal must be a clear line too."""
        self.refusals.append(name)
        problem = clarity_problem(message, where)
        assert problem is None, f"{name}: {problem}: {message!r}"
        self.refusals_clear.append(name)

    def lost(self, missing: int) -> None:
        self.data_lost += missing
        assert missing == 0, f"{missing} expected resource(s) missing after recovery"

    def scan(self, label: str, text: str, secrets: Iterable[str]) -> None:
        """Count every secret found in clear in `text` (exported state, a log)."""
        found = [s for s in secrets if s and s in text]
        self.secrets_checked += 1
        self.secrets_found += len(found)
        if found:  # a plain raise: pytest's assert introspection would print the secrets it found
            raise AssertionError(f"{label}: {len(found)} secret(s) in clear")


TALLY = Tally()


def clarity_problem(message: str, where: str | Iterable[str]) -> str | None:
    text = message.strip()
    places = [where] if isinstance(where, str) else list(where)
    if not text:
        return "empty message"
    if "\n" in text:
        return "more than one line"
    if not any(place in text for place in places):
        return f"does not name where ({' or '.join(places)})"
    if not re.search(r"\bfix\b|\buse\b|\bsend\b|\bset\b|\badd\b|\bwrite\b|\bremove\b|\brename\b", text, re.I):
        return "does not say how to fix it"
    return None


def writes(entries: Iterable[dict]) -> list[str]:
    """Requests in a sandbox log slice that changed something: accepted non-GET calls to a Twilio product."""
    return [
        f"{e['method']} {e['path']} -> {e['status']}"
        for e in entries
        if e["product"] in _PRODUCTS
        and e["method"] not in ("GET", "HEAD")
        and 200 <= e["status"] < 300
        and not _NOT_A_WRITE.match(e["path"])
    ]


def summary_line(tally: Tally) -> str:
    return (
        f"fault suite: faults survived {len(tally.faults_survived)}/{len(tally.faults_run)}, "
        f"bad inputs {len(tally.bad_inputs_clear)} with clear errors ({len(tally.hostile_inputs)} hostile), "
        f"authorization refusals {len(tally.refusals_clear)}/{len(tally.refusals)}, "
        f"data lost {tally.data_lost}, secrets found {tally.secrets_found}"
    )
