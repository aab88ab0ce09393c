"""What every Twilio dynamic provider shares.

Providers live in importable modules so dill pickles them by reference: state holds no code, no client and no
credential. Credentials are read at call time: stack config given to `configure()` (secrets arrive decrypted,
only in the provider process) or the `TWILIO_*` environment; the client is made per call.
"""

from __future__ import annotations

from typing import Any

from pulumi import dynamic
from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN

from infra.client import client_from_settings
from infra.rest import Rest


def is_unknown(value: Any) -> bool:
    """True for a value not known yet during preview (an Output of a resource still to be created)."""
    if isinstance(value, Unknown) or (isinstance(value, str) and value == UNKNOWN):
        return True
    if isinstance(value, dict):
        return any(is_unknown(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(is_unknown(v) for v in value)
    return False


class TwilioProvider(dynamic.ResourceProvider):
    # The pickled provider holds no secret (nothing captured), so it need not be a secret in state.
    serialize_as_secret_always = False

    def configure(self, req: dynamic.ConfigureRequest) -> None:
        # Only the credential keys, kept on this provider-process instance; never pickled (configure runs
        # after unpickling, in the provider process).
        self._twilio_config = {
            key: req.config.get(key)
            for key in ("twilio:accountSid", "twilio:authToken", "twilio:apiKey", "twilio:apiSecret")
            if req.config.get(key)
        }

    def rest(self) -> Rest:
        return Rest(client_from_settings(getattr(self, "_twilio_config", None)))

    def __getstate__(self) -> dict:
        # Belt and braces: whatever a method put on self never travels into state.
        return {}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)


def diff_inputs(olds: dict, news: dict, replace_keys: tuple[str, ...] = ()) -> dynamic.DiffResult:
    """Let the engine compute the detailed diff (changes=None); ask for replacement only when a key that
    Twilio cannot update really changed (a non-empty `replaces` turns any change into a replacement)."""
    replaces = [k for k in replace_keys if k in news and not is_unknown(news[k]) and olds.get(k) != news[k]]
    replaces += [k for k in replace_keys if k in news and is_unknown(news[k])]
    return dynamic.DiffResult(changes=None, replaces=replaces or None)
