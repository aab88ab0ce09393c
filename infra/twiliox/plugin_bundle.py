"""A Flex plugin's bundle as a Serverless asset (`twiliox:serverless:PluginBundle`): one Asset and its
AssetVersion at `/plugins/<name>/<version>/bundle.js`, protected (Flex fetches a private plugin with Twilio's
signature), in a service the stack owns.

Like the Plugins CLI, each version is a new asset: a changed bundle (content hash) or version uploads one
more, and `served_versions` keeps every asset version made so far, so the build that serves the new one
still serves the old ones a release may name. A source map beside the bundle goes with it, at
`…/bundle.js.map`, as the CLI hosts it. Destroy deletes nothing: the service's own deletion takes its
assets, and the service stays while a release may name them (`Service.delete`, `kept_for_releases`). Made
in a service the stack took back from its own destroy, the bundle's first build also serves the plugin assets
that service held (older versions a rollback may load), one per path."""

from __future__ import annotations

from pathlib import Path

from flex_chat_transfer.infra.rest import SERVERLESS, SERVERLESS_UPLOAD
from flex_chat_transfer.infra.twiliox.base import Context, Failure, Kind, is_unknown
from flex_chat_transfer.infra.twiliox.service import CREATED_HERE
from flex_chat_transfer.workflow.flex_plugin import bundle_hash, bundle_problem

TOKEN = "twiliox:serverless:PluginBundle"
VERSION_KEYS = ("service_sid", "path", "content_hash", "visibility")


def bundle_path(name: str, version: str) -> str:
    return f"/plugins/{name}/{version}/bundle.js"


class PluginBundle(Kind):
    def __init__(self) -> None:
        super().__init__(
            check_calls_twilio=False,
            token=TOKEN,
            description="A Flex plugin's built bundle, hosted as a protected Serverless asset version.",
            inputs={
                "service_sid": ("string", "The service (ZS…) that hosts it."),
                "path": ("string", "The asset path, /plugins/<name>/<version>/bundle.js."),
                "visibility": ("string", "protected (default) or public."),
                "content_hash": ("string", "sha256 of the bundle file: a new hash uploads a new version."),
                "source": ("string", "The bundle file's absolute path (read when a version is uploaded)."),
                "map_source": (
                    "string",
                    "Its source map's absolute path, uploaded beside it as bundle.js.map.",
                ),
            },
            outputs={
                "sid": ("string", "The ZH… SID of the first asset."),
                "asset_sid": ("string", "The ZH… SID of the asset of the current version."),
                "version_sid": ("string", "The ZN… SID of the current asset version."),
                "served_versions": ("array", "Every asset version made for this bundle, oldest first."),
            },
            required=("service_sid", "path", "content_hash", "source"),
            id_format="ZH…",
            not_diffed=("source", "map_source"),
        )

    def check(self, ctx: Context, olds: dict, news: dict) -> dict:
        path = news.get("path")
        if not is_unknown(path) and (not isinstance(path, str) or not path.startswith("/plugins/")):
            raise Failure("path", f"{path!r} must be /plugins/<name>/<version>/bundle.js")
        if news.get("visibility", "protected") not in ("protected", "public"):
            raise Failure("visibility", f"{news.get('visibility')!r} is not protected or public")
        return {"visibility": "protected", **news}

    def _upload(self, ctx: Context, props: dict) -> tuple[str, str, list[str]]:
        """A new asset and its version, and the source map's beside it; (asset SID, version SID, every
        version SID made)."""
        source = Path(props["source"])
        content = source.read_bytes() if source.is_file() else None
        if problem := bundle_problem(str(source), content):
            raise RuntimeError(problem)
        assert content is not None
        if bundle_hash(content) != props["content_hash"]:
            raise RuntimeError(f"{source} changed during this up (fix: run `pulumi up` again)")
        asset, version = self._upload_one(ctx, props, props["path"], content, "application/javascript")
        made = [version]
        if props.get("map_source"):
            source_map = Path(props["map_source"]).read_bytes()
            made.append(
                self._upload_one(ctx, props, props["path"] + ".map", source_map, "application/json")[1]
            )
        return asset, version, made

    @staticmethod
    def _upload_one(
        ctx: Context, props: dict, path: str, content: bytes, content_type: str
    ) -> tuple[str, str]:
        rest = ctx.rest()
        service = props["service_sid"]
        asset = rest.create(f"{SERVERLESS}/Services/{service}/Assets", {"FriendlyName": path})
        version = rest.upload(
            f"{SERVERLESS_UPLOAD}/Services/{service}/Assets/{asset['sid']}/Versions",
            {"Path": path, "Visibility": props["visibility"]},
            filename=path.rsplit("/", 1)[-1],
            content=content,
            content_type=content_type,
        )
        return asset["sid"], version["sid"]

    @staticmethod
    def _outputs(props: dict, first: str, asset: str, version: str, served: list[str]) -> dict:
        return {
            **{k: props[k] for k in (*VERSION_KEYS, "source", "map_source") if k in props},
            "sid": first,
            "asset_sid": asset,
            "version_sid": version,
            "served_versions": served,
        }

    def create(self, ctx: Context, inputs: dict) -> tuple[str, dict]:
        asset, version, made = self._upload(ctx, inputs)
        earlier = [] if inputs["service_sid"] in CREATED_HERE else self._earlier_versions(ctx, inputs)
        return asset, self._outputs(inputs, asset, asset, version, [*earlier, *made])

    @staticmethod
    def _earlier_versions(ctx: Context, props: dict) -> list[str]:
        """The newest version of each plugin asset the service already holds at another path than ours: what
        older releases load (one read of the assets, one of each such asset's versions)."""
        rest = ctx.rest()
        base = f"{SERVERLESS}/Services/{props['service_sid']}/Assets"
        ours = {props["path"], props["path"] + ".map"}
        newest: dict[str, dict] = {}
        for asset in rest.list_all(base, "assets"):
            path = asset.get("friendly_name") or ""
            if not path.startswith("/plugins/") or path in ours:
                continue
            for version in rest.list_all(f"{base}/{asset['sid']}/Versions", "asset_versions"):
                if version.get("path") in ours:
                    continue
                held = newest.get(version["path"])
                if held is None or version["date_created"] > held["date_created"]:
                    newest[version["path"]] = version
        return [v["sid"] for v in newest.values()]

    def update(self, ctx: Context, id: str, olds: dict, news: dict) -> dict:
        served = list(olds.get("served_versions") or [])
        if all(olds.get(k) == news.get(k) for k in VERSION_KEYS) and olds.get("version_sid"):
            return self._outputs(news, id, olds.get("asset_sid") or id, olds["version_sid"], served)
        if olds.get("service_sid") != news.get("service_sid"):
            served = []  # versions of another service cannot be in this one's build
        asset, version, made = self._upload(ctx, news)
        return self._outputs(news, id, asset, version, [*served, *made])

    def read(self, ctx: Context, id: str, state: dict) -> tuple[str, dict, dict] | None:
        if not state:
            raise Failure("", "a plugin bundle is not imported: `pulumi up` uploads it")
        live = ctx.rest().find(
            f"{SERVERLESS}/Services/{state['service_sid']}/Assets/{state.get('asset_sid') or id}"
        )
        if live is None:
            return None
        return id, state, {k: state[k] for k in self.inputs if k in state}

    def delete(self, ctx: Context, id: str, state: dict) -> None:
        # A release may still name these versions' URL; the service's deletion (if it is the stack's) takes
        # them with it.
        ctx.log(f"plugin bundle {state.get('path')}: its assets are left to the service")
