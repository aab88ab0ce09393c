"""Serverless Function and its current version (`twiliox:serverless:Function`). Import id: `ZS…/ZH…`.

A new version is uploaded only when the file's content hash, path or visibility changed; otherwise the version
SID is kept, so the Build sees the same set and no build happens."""

from __future__ import annotations

import hashlib

from flex_chat_transfer.infra.rest import SERVERLESS, SERVERLESS_UPLOAD, TwilioApiError
from flex_chat_transfer.infra.twiliox.base import (
    FOUND_SCHEMA,
    Context,
    Failure,
    Kind,
    import_sids,
    is_unknown,
)
from flex_chat_transfer.infra.twiliox.ownership import refuse
from flex_chat_transfer.infra.twiliox.service import CREATED_HERE

TOKEN = "twiliox:serverless:Function"
VISIBILITIES = ("public", "protected", "private")
VERSION_KEYS = ("path", "visibility", "content_hash")


def content_hash(content: str) -> str:
    return "sha256:" + hashlib.sha256(content.encode()).hexdigest()


def _url(service_sid: str, sid: str | None = None) -> str:
    base = f"{SERVERLESS}/Services/{service_sid}/Functions"
    return f"{base}/{sid}" if sid else base


class Function(Kind):
    def __init__(self) -> None:
        super().__init__(
            check_calls_twilio=False,
            token=TOKEN,
            description="A Serverless function with its current version (uploaded source).",
            inputs={
                "service_sid": ("string", "The service (ZS…)."),
                "path": (
                    "string",
                    "The function's path, e.g. /features/x/flex/invite (also its friendly name).",
                ),
                "visibility": ("string", "public, protected or private."),
                "content": ("string", "The JavaScript source."),
                "content_hash": ("string", "sha256 of the source (computed)."),
                "shared_service": (
                    "boolean",
                    "The service also holds functions this stack does not manage (it was imported): a "
                    "function already at this path is refused, never taken over.",
                ),
            },
            outputs={
                "sid": ("string", "The ZH… SID."),
                "version_sid": ("string", "The ZN… of the current version."),
                "found": FOUND_SCHEMA,
            },
            required=("service_sid", "path", "visibility"),
            replace_on=("service_sid",),
            id_format="ZS…/ZH…",
            not_diffed=("shared_service",),
        )

    def check(self, ctx: Context, olds: dict, news: dict) -> dict:
        path = news.get("path")
        if not isinstance(path, str) or not path.startswith("/") or len(path) > 255:
            raise Failure("path", f"{path!r} must start with '/' and be ≤255 characters")
        if news.get("visibility") not in VISIBILITIES:
            raise Failure("visibility", f"{news.get('visibility')!r} is not one of {', '.join(VISIBILITIES)}")
        content = news.get("content")
        if isinstance(content, str):
            news = {**news, "content_hash": content_hash(content)}
        if self.check_calls_twilio_for(olds, news) and not is_unknown(news.get("service_sid")):
            self._refuse_taken(ctx, news)
        return news

    def check_calls_twilio_for(self, olds: dict, news: dict) -> bool:
        # Only a new function in a shared service can meet one this stack does not hold.
        return news.get("shared_service") is True and not olds

    def _taken(self, ctx: Context, props: dict) -> dict | None:
        return next(
            (
                f
                for f in ctx.rest().list_all(_url(props["service_sid"]), "functions")
                if f["friendly_name"] == props["path"]
            ),
            None,
        )

    def _refuse_taken(self, ctx: Context, props: dict) -> None:
        if taken := self._taken(ctx, props):
            raise refuse(
                ctx.urn,
                TOKEN,
                f"function {props['path']!r} ({taken['sid']}) of shared service {props['service_sid']}",
                f"{props['service_sid']}/{taken['sid']}",
                "remove the file from this project's functions/ to keep theirs",
            )

    def _upload(self, ctx: Context, props: dict, function_sid: str) -> str:
        version = ctx.rest().upload(
            f"{SERVERLESS_UPLOAD}/Services/{props['service_sid']}/Functions/{function_sid}/Versions",
            {"Path": props["path"], "Visibility": props["visibility"]},
            filename=props["path"].lstrip("/") + ".js",
            content=props["content"].encode(),
            content_type="application/javascript",
        )
        return version["sid"]

    @staticmethod
    def _outputs(props: dict, function_sid: str, version_sid: str) -> dict:
        return {
            **{k: props[k] for k in ("service_sid", "path", "visibility", "content_hash") if k in props},
            **({"content": props["content"]} if "content" in props else {}),
            "sid": function_sid,
            "version_sid": version_sid,
        }

    def create(self, ctx: Context, inputs: dict) -> tuple[str, dict]:
        rest = ctx.rest()
        url = _url(inputs["service_sid"])

        def find() -> dict | None:
            return next(
                (f for f in rest.list_all(url, "functions") if f["friendly_name"] == inputs["path"]), None
            )

        # A function with this path in the stack's own service is one this stack made and lost track of (a
        # killed run's pending create): the service is ours, so is what it holds. A service this process
        # created holds nothing yet: no look-up.
        if inputs.get("shared_service") is True:
            self._refuse_taken(ctx, inputs)  # theirs, not one of ours to pick up
        existing = None if inputs["service_sid"] in CREATED_HERE else find()
        function = existing or rest.create(url, {"FriendlyName": inputs["path"]}, recover=find)
        return function["sid"], self._outputs(
            inputs, function["sid"], self._upload(ctx, inputs, function["sid"])
        )

    def update(self, ctx: Context, id: str, olds: dict, news: dict) -> dict:
        unchanged = all(olds.get(k) == news.get(k) for k in VERSION_KEYS) and olds.get("version_sid")
        version_sid = olds["version_sid"] if unchanged else self._upload(ctx, news, id)
        return self._outputs(news, id, version_sid)

    def read(self, ctx: Context, id: str, state: dict) -> tuple[str, dict, dict] | None:
        service_sid = state.get("service_sid")
        if not state:
            service_sid, id = import_sids(id, ("ZS", "ZH"), "service SID / function SID")
        rest = ctx.rest()
        live = rest.find(_url(service_sid, id))
        if live is None:
            return None
        if state:
            return id, state, {k: state[k] for k in self.inputs if k in state}
        versions = rest.list_all(f"{_url(service_sid, id)}/Versions", "function_versions")
        latest = max(versions, key=lambda v: v.get("date_created") or "", default=None)
        inputs = {"service_sid": service_sid, "path": live["friendly_name"], "visibility": "public"}
        if latest:
            inputs.update(path=latest["path"], visibility=latest["visibility"])
            # The source of the current version, so an unchanged file is no change (no new version, no build).
            content = rest.get(f"{_url(service_sid, id)}/Versions/{latest['sid']}/Content").get("content")
            if isinstance(content, str):
                inputs.update(content=content, content_hash=content_hash(content))
        return id, {**inputs, "sid": id, "version_sid": latest["sid"] if latest else ""}, inputs

    def found_values(self, outputs: dict, inputs: dict) -> dict:
        return {"version_sid": outputs.get("version_sid")}

    def give_back(self, ctx: Context, id: str, state: dict) -> None:
        # Its environment serves the build it served at import again (the Environment's give-back); the
        # versions uploaded since stay in Twilio's history, as versions always do.
        ctx.log(f"function {state.get('path')} ({id}): left in place (not this stack's)")

    def delete(self, ctx: Context, id: str, state: dict) -> None:
        try:
            ctx.rest().delete(_url(state["service_sid"], id))
        except TwilioApiError as error:
            # A function whose version an older build still references may be refused; the service's own
            # deletion (or Twilio's clean-up of unbuilt functions) removes it.
            ctx.log(f"function {state.get('path')} ({id}) not deleted: {error}")
