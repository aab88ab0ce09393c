"""One Serverless Function per source file, plus its current version.

A new version is uploaded only when the file's content hash, path or visibility changed; otherwise the
version SID
is reused, so the Build sees the same set and no build happens. The upload goes to the serverless-upload host
through the same client (rewrite, auth, retries, concurrency bound).
"""

from __future__ import annotations

import hashlib

import pulumi
from pulumi import dynamic

from infra.providers.base import TwilioProvider, diff_inputs
from infra.providers.service import CREATED_HERE
from infra.rest import SERVERLESS, SERVERLESS_UPLOAD, TwilioApiError

VISIBILITIES = ("public", "protected", "private")


def content_hash(content: str) -> str:
    return "sha256:" + hashlib.sha256(content.encode()).hexdigest()


def _outputs(props: dict, function_sid: str, version_sid: str) -> dict:
    return {
        "service_sid": props["service_sid"],
        "path": props["path"],
        "visibility": props["visibility"],
        "content_hash": props["content_hash"],
        "sid": function_sid,
        "version_sid": version_sid,
    }


class FunctionProvider(TwilioProvider):
    def check(self, olds: dict, news: dict) -> dynamic.CheckResult:
        failures = []
        path = news.get("path")
        if not isinstance(path, str) or not path.startswith("/") or len(path) > 255:
            failures.append(
                dynamic.CheckFailure("path", f"{path!r} must start with '/' and be ≤255 characters")
            )
        if news.get("visibility") not in VISIBILITIES:
            failures.append(
                dynamic.CheckFailure(
                    "visibility", f"{news.get('visibility')!r} is not one of {', '.join(VISIBILITIES)}"
                )
            )
        content = news.get("content")
        if isinstance(content, str) and news.get("content_hash") != content_hash(content):
            news = {**news, "content_hash": content_hash(content)}
        return dynamic.CheckResult(news, failures)

    def diff(self, id: str, olds: dict, news: dict) -> dynamic.DiffResult:
        return diff_inputs(olds, news, replace_keys=("service_sid",))

    def _upload(self, props: dict, function_sid: str) -> str:
        print(f"uploading {props['path']} ({props['visibility']})")
        version = self.rest().upload(
            f"{SERVERLESS_UPLOAD}/Services/{props['service_sid']}/Functions/{function_sid}/Versions",
            {"Path": props["path"], "Visibility": props["visibility"]},
            filename=props["path"].lstrip("/") + ".js",
            content=props["content"].encode(),
            content_type="application/javascript",
        )
        return version["sid"]

    def create(self, props: dict) -> dynamic.CreateResult:
        rest = self.rest()
        url = f"{SERVERLESS}/Services/{props['service_sid']}/Functions"

        def find() -> dict | None:
            return next(
                (f for f in rest.list_all(url, "functions") if f["friendly_name"] == props["path"]), None
            )

        existing = None if props["service_sid"] in CREATED_HERE else find()
        function = existing or rest.create(url, {"FriendlyName": props["path"]}, recover=find)
        return dynamic.CreateResult(
            function["sid"], _outputs(props, function["sid"], self._upload(props, function["sid"]))
        )

    def update(self, id: str, olds: dict, news: dict) -> dynamic.UpdateResult:
        unchanged = all(olds.get(k) == news.get(k) for k in ("path", "visibility", "content_hash"))
        version_sid = olds["version_sid"] if unchanged else self._upload(news, id)
        return dynamic.UpdateResult(_outputs(news, id, version_sid))

    def read(self, id: str, props: dict) -> dynamic.ReadResult:
        live = self.rest().find(f"{SERVERLESS}/Services/{props['service_sid']}/Functions/{id}")
        if live is None:
            return dynamic.ReadResult("", {})
        return dynamic.ReadResult(id, props)

    def delete(self, id: str, props: dict) -> None:
        try:
            self.rest().delete(f"{SERVERLESS}/Services/{props['service_sid']}/Functions/{id}")
        except TwilioApiError as error:
            # A function whose version an older build still references may be refused; the service's own
            # deletion (or Twilio's 7-day clean-up of unbuilt functions) removes it.
            pulumi.log.warn(f"function {props['path']} ({id}) not deleted: {error}")


class Function(dynamic.Resource):
    sid: pulumi.Output[str]
    version_sid: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        service_sid: pulumi.Input[str],
        path: str,
        visibility: str,
        content: str,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            FunctionProvider(),
            name,
            {
                "service_sid": service_sid,
                "path": path,
                "visibility": visibility,
                "content": content,
                "content_hash": content_hash(content),
                "sid": None,
                "version_sid": None,
            },
            opts,
        )
