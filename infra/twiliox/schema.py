"""The package schema (`pulumi package get-schema infra/twiliox/bin`), built from the kinds' own
descriptions."""

from __future__ import annotations

import json
from collections.abc import Iterable

from flex_chat_transfer.infra.twiliox import PACKAGE, VERSION
from flex_chat_transfer.infra.twiliox.base import Kind

_TYPES = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "object": {"type": "object", "additionalProperties": {"$ref": "pulumi.json#/Any"}},
    "array": {"type": "array", "items": {"type": "string"}},
}


def _properties(fields: dict[str, tuple[str, str]], secret: tuple[str, ...] = ()) -> dict:
    return {
        name: {**_TYPES[kind], "description": text, **({"secret": True} if name in secret else {})}
        for name, (kind, text) in fields.items()
    }


def schema(kinds: Iterable[Kind]) -> dict:
    resources = {}
    for kind in kinds:
        inputs = _properties(kind.inputs, kind.secret_inputs)
        resources[kind.token] = {
            "description": f"{kind.description} Import id: `{kind.id_format}`.",
            "properties": {**inputs, **_properties(kind.outputs)},
            "inputProperties": inputs,
            "requiredInputs": list(kind.required),
        }
    config = {
        "accountSid": {"type": "string", "description": "Account SID (AC…); default TWILIO_ACCOUNT_SID."},
        "authToken": {
            "type": "string",
            "secret": True,
            "description": "Auth token; default TWILIO_AUTH_TOKEN.",
        },
        "apiKey": {"type": "string", "description": "API key SID (SK…); default TWILIO_API_KEY."},
        "apiSecret": {
            "type": "string",
            "secret": True,
            "description": "API key secret; default TWILIO_API_SECRET.",
        },
        "concurrency": {"type": "integer", "description": "Twilio calls at once (default 10)."},
        "checkedFirst": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Resources whose Checks must pass before the provider writes anything.",
        },
        "pinnedAccountSid": {
            "type": "string",
            "description": "The account the stack deployed into: credentials of another one are refused.",
        },
    }
    return {
        "name": PACKAGE,
        "version": VERSION,
        "displayName": "Twilio (chat-transfer)",
        "description": "The Twilio objects of flex-chat-transfer: TaskRouter workflow, Serverless, Flex.",
        "meta": {"moduleFormat": "(.*)"},
        "config": {"variables": config},
        "provider": {"inputProperties": config, "properties": config},
        "resources": resources,
    }


def schema_json(kinds: Iterable[Kind]) -> str:
    return json.dumps(schema(kinds), indent=2, sort_keys=True)
