"""Issue 23 on the real engine against the sandbox: the Flex plugin released as code. An account whose active
release already holds another plugin; one `up` hosts our bundle, registers the plugin and a version, and
releases it beside the other one (merge, never clobber); an unchanged bundle writes nothing; a changed byte
makes one new asset version, plugin version, configuration and release, built in the stack's small plugin
service (never the functions'); destroy releases the others without ours and keeps the plugin service while a
release may name its URLs, and the next up takes it back; a release made by hand without ours is drift that
refresh shows and the next up repairs. The hostile inputs are refused in one line before any write."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest
from twilio.request_validator import RequestValidator

from flex_chat_transfer.infra.client import make_client
from flex_chat_transfer.infra.plugin_preflight import PluginError, prepare_plugin
from flex_chat_transfer.infra.rest import FLEX, SERVERLESS, SERVERLESS_UPLOAD, Rest
from flex_chat_transfer.infra.twiliox.base import Context, NotOurs
from flex_chat_transfer.infra.twiliox.service import Service
from flex_chat_transfer.workflow.flex_plugin import ASSET_MAX_BYTES, PluginSettings
from tests.infra.engine_world import Account
from tests.infra.template_account import ENVIRONMENT, SERVICE, build_template_account

pytestmark = pytest.mark.e2e

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "plugin" / "plugin-chat-transfer.js"
PLUGINS = f"{FLEX}/PluginService"
OURS = "plugin-chat-transfer"
OTHER = "plugin-other"
OTHER_JS = b"(function () { window.__other = true; })();\n"
PLUGIN_SERVICE = "chat-transfer-dev-plugin"  # plugin_service_name("chat-transfer-dev")


@pytest.fixture
def bundle(tmp_path) -> Path:
    copy = tmp_path / "build" / f"{OURS}.js"
    copy.parent.mkdir()
    shutil.copyfile(FIXTURE, copy)
    return copy


def deploy_asset(sandbox, rest: Rest, unique_name: str, path: str, content: bytes) -> str:
    """A protected asset at `path`, built and deployed to a new service's environment; its domain name."""
    service = rest.post(f"{SERVERLESS}/Services", {"UniqueName": unique_name, "FriendlyName": unique_name})
    environment = rest.post(f"{SERVERLESS}/Services/{service['sid']}/Environments", {"UniqueName": "prod"})
    asset = rest.post(f"{SERVERLESS}/Services/{service['sid']}/Assets", {"FriendlyName": path})
    version = rest.upload(
        f"{SERVERLESS_UPLOAD}/Services/{service['sid']}/Assets/{asset['sid']}/Versions",
        {"Path": path, "Visibility": "protected"},
        "bundle.js",
        content,
        "application/javascript",
    )
    build = rest.post(f"{SERVERLESS}/Services/{service['sid']}/Builds", {"AssetVersions": [version["sid"]]})
    sandbox.advance_clock(60)
    status = rest.get(f"{SERVERLESS}/Services/{service['sid']}/Builds/{build['sid']}/Status")["status"]
    assert status == "completed"
    rest.post(
        f"{SERVERLESS}/Services/{service['sid']}/Environments/{environment['sid']}/Deployments",
        {"BuildSid": build["sid"]},
    )
    return environment["domain_name"]


def release_by_hand(
    rest: Rest, name: str, url: str, keep_active: bool = True, drop: str | None = None
) -> None:
    """What `flex:plugins:deploy` + `flex:plugins:release` do: a plugin and version, then a configuration of
    the active release's plugins (minus `drop`) plus it, released."""
    plugin = rest.find(f"{PLUGINS}/Plugins/{name}") or rest.post(f"{PLUGINS}/Plugins", {"UniqueName": name})
    version = rest.post(
        f"{PLUGINS}/Plugins/{plugin['sid']}/Versions",
        {"Version": "0.1.0", "PluginUrl": url, "Private": "true"},
    )
    entries = [json.dumps({"plugin_version": version["sid"], "phase": 3})]
    if keep_active:
        for configured in active(rest):
            if configured["plugin_sid"] != plugin["sid"] and configured["unique_name"] != drop:
                entries.append(json.dumps({"plugin_version": configured["plugin_version_sid"], "phase": 3}))
    configuration = rest.post(
        f"{PLUGINS}/Configurations", [("Name", f"by hand: {name}")] + [("Plugins", e) for e in entries]
    )
    rest.post(f"{PLUGINS}/Releases", {"ConfigurationId": configuration["sid"]})


def release_without(rest: Rest, name: str) -> None:
    """Someone releases the active plugins without `name`."""
    entries = [
        ("Plugins", json.dumps({"plugin_version": p["plugin_version_sid"], "phase": 3}))
        for p in active(rest)
        if p["unique_name"] != name
    ]
    configuration = rest.post(f"{PLUGINS}/Configurations", [("Name", f"without {name}")] + entries)
    rest.post(f"{PLUGINS}/Releases", {"ConfigurationId": configuration["sid"]})


def active(rest: Rest) -> list[dict]:
    releases = rest.get(f"{PLUGINS}/Releases", {"PageSize": 1})["releases"]
    if not releases:
        return []
    return rest.list_all(f"{PLUGINS}/Configurations/{releases[0]['configuration_sid']}/Plugins", "plugins")


def versions_in_active(rest: Rest) -> dict[str, str]:
    return {p["unique_name"]: p["version"] for p in active(rest)}


def flex_ui(sandbox) -> dict[str, dict]:
    with sandbox.http() as http:
        return {p["name"]: p for p in http.get("/_sandbox/flex-ui").json()["plugins"]}


def fetch_signed(sandbox, url: str) -> httpx.Response:
    """The plugin URL as Flex fetches a private plugin: with Twilio's signature of the public https URL."""
    domain_and_path = url.removeprefix("https://")
    signature = RequestValidator(sandbox.auth_token).compute_signature(url, {})
    return httpx.get(
        f"{sandbox.url}/_runtime/{domain_and_path}", headers={"X-Twilio-Signature": signature}, timeout=30
    )


def service_named(rest: Rest, unique_name: str) -> dict | None:
    return rest.find(f"{SERVERLESS}/Services/{unique_name}")


def plugin_writes(writes: list[str], plugin_service: str) -> dict[str, int]:
    """Counts of the writes a plugin release makes, by what they create; builds and deployments by whether
    they are the plugin service's (`plugin_service`, ZS…) or another's (the functions')."""
    ours = f"/Services/{plugin_service}/"
    kinds = {
        "plugin build": lambda w: ours in w and w.endswith("/Builds"),
        "plugin deployment": lambda w: ours in w and w.endswith("/Deployments"),
        "functions build": lambda w: ours not in w and w.endswith("/Builds"),
        "functions deployment": lambda w: ours not in w and w.endswith("/Deployments"),
        "asset": lambda w: w.startswith("POST") and w.endswith("/Assets"),
        "asset version": lambda w: "/Assets/" in w and w.endswith("/Versions"),
        "plugin": lambda w: w.endswith("/PluginService/Plugins"),
        "plugin version": lambda w: "/PluginService/Plugins/" in w and w.endswith("/Versions"),
        "configuration": lambda w: w.endswith("/PluginService/Configurations"),
        "release": lambda w: w.endswith("/PluginService/Releases"),
        "archive": lambda w: w.endswith("/Archive"),
    }
    return {name: sum(1 for w in writes if test(w)) for name, test in kinds.items()}


def test_released_beside_another_plugin_merged_never_clobbered_and_given_back(account, bundle):
    sandbox, rest = account.sandbox, account.rest
    other_path = f"/plugins/{OTHER}/0.1.0/bundle.js"
    other_domain = deploy_asset(sandbox, rest, "other-plugins", other_path, OTHER_JS)
    release_by_hand(rest, OTHER, f"https://{other_domain}{other_path}")
    config = {**account.config, "chat-transfer:plugin": {"name": OURS, "bundle": str(bundle)}}
    stack = account.runner("dev", config)

    # Cold: hosted, registered, released beside the other plugin.
    mark = account.mark()
    stack.up()
    cold = account.writes_since(mark)
    plugin_service = service_named(rest, PLUGIN_SERVICE)
    assert plugin_service is not None and plugin_service["sid"] != stack.outputs()["serviceSid"]
    assert plugin_writes(cold, plugin_service["sid"]) == {
        "plugin build": 1,
        "plugin deployment": 1,
        "functions build": 1,
        "functions deployment": 1,
        "asset": 1,
        "asset version": 1,
        "plugin": 1,
        "plugin version": 1,
        "configuration": 1,
        "release": 1,
        "archive": 0,
    }, cold
    assert versions_in_active(rest) == {OTHER: "0.1.0", OURS: "0.0.1"}
    ui = flex_ui(sandbox)
    assert ui[OTHER]["loaded"] and ui[OURS]["loaded"], ui
    ours = next(p for p in active(rest) if p["unique_name"] == OURS)
    assert ours["private"] is True and ours["plugin_url"].endswith(f"/plugins/{OURS}/0.0.1/bundle.js")
    assert fetch_signed(sandbox, ours["plugin_url"]).content == bundle.read_bytes()
    assert httpx.get(f"{sandbox.url}/_runtime/{ours['plugin_url'][8:]}", timeout=30).status_code == 401

    # Unchanged: nothing written.
    mark = account.mark()
    stack.up()
    assert account.writes_since(mark) == []

    # A plugin released by hand in between, then one byte of our bundle changed: one new asset version,
    # plugin version, configuration and release; the other plugins as they are.
    hand_path = "/plugins/plugin-hand/0.1.0/bundle.js"
    hand_domain = deploy_asset(sandbox, rest, "hand-plugins", hand_path, OTHER_JS)
    release_by_hand(rest, "plugin-hand", f"https://{hand_domain}{hand_path}")
    # That release holds our version too: no drift, and our (now stale) configuration is not released again.
    refreshed = stack.refresh()
    assert refreshed.summary.resource_changes.get("update", 0) == 0, refreshed.summary.resource_changes
    mark = account.mark()
    stack.up()
    assert account.writes_since(mark) == []
    assert versions_in_active(rest) == {OTHER: "0.1.0", "plugin-hand": "0.1.0", OURS: "0.0.1"}
    first_bytes = bundle.read_bytes()
    bundle.write_bytes(first_bytes.replace(b'"Transfer"', b'"Transfer!"'))
    preview = stack.preview()  # the change in one line: plugin, old version → new, the others kept
    line = f"plugin {OURS}: 0.0.1 → 0.0.2 (bundle sha256:"
    assert line in preview.stdout, preview.stdout
    kept = preview.stdout.split("other plugins kept: ", 1)[1].splitlines()[0]
    assert sorted(kept.split(", ")) == sorted([f"{OTHER}@0.1.0", "plugin-hand@0.1.0"]), kept
    mark = account.mark()
    stack.up()
    changed = account.writes_since(mark)
    # Only the small plugin service builds: the functions are not rebuilt for a plugin change.
    assert plugin_writes(changed, plugin_service["sid"]) == {
        "plugin build": 1,
        "plugin deployment": 1,
        "functions build": 0,
        "functions deployment": 0,
        "asset": 1,
        "asset version": 1,
        "plugin": 0,
        "plugin version": 1,
        "configuration": 1,
        "release": 1,
        "archive": 0,
    }, changed
    assert len(changed) == 7, changed
    assert versions_in_active(rest) == {OTHER: "0.1.0", "plugin-hand": "0.1.0", OURS: "0.0.2"}
    ours = next(p for p in active(rest) if p["unique_name"] == OURS)
    assert fetch_signed(sandbox, ours["plugin_url"]).content == bundle.read_bytes()
    assert all(p["loaded"] for p in flex_ui(sandbox).values())
    # The previous version's bundle is still served (a rollback release may name it).
    previous = ours["plugin_url"].replace("/0.0.2/", "/0.0.1/")
    assert fetch_signed(sandbox, previous).content == first_bytes

    # Someone releases a configuration without ours: refresh shows it, the next up puts it back.
    release_without(rest, OURS)
    assert OURS not in versions_in_active(rest)
    refreshed = stack.refresh()
    assert refreshed.summary.resource_changes.get("update", 0) == 1, refreshed.summary.resource_changes
    assert "drift: the active release" in refreshed.stdout, refreshed.stdout
    mark = account.mark()
    stack.up()
    # A new configuration merged from the then-active release, released; nothing else.
    repaired = account.writes_since(mark)
    assert len(repaired) == 2 and plugin_writes(repaired, plugin_service["sid"])["configuration"] == 1
    assert plugin_writes(repaired, plugin_service["sid"])["release"] == 1, repaired
    assert versions_in_active(rest) == {OTHER: "0.1.0", "plugin-hand": "0.1.0", OURS: "0.0.2"}

    # Destroy: the then-active plugins without ours; theirs still load; nothing archived. The functions'
    # service goes; the plugin service stays (a rollback to an older release loads its URLs), in one line.
    functions_service = stack.outputs()["serviceSid"]
    mark = account.mark()
    destroyed = stack.destroy()
    gone = account.writes_since(mark)
    counts = plugin_writes(gone, plugin_service["sid"])
    assert counts["archive"] == 0 and counts["release"] == 1, gone
    assert versions_in_active(rest) == {OTHER: "0.1.0", "plugin-hand": "0.1.0"}
    ui = flex_ui(sandbox)
    assert set(ui) == {OTHER, "plugin-hand"} and all(p["loaded"] for p in ui.values()), ui
    assert rest.get(f"{PLUGINS}/Plugins/{OURS}")["archived"] is False
    assert rest.find(f"{SERVERLESS}/Services/{functions_service}") is None
    assert service_named(rest, PLUGIN_SERVICE)["sid"] == plugin_service["sid"]
    kept_line = f"keeping service {plugin_service['sid']} ({PLUGIN_SERVICE})"
    assert kept_line in destroyed.stdout, destroyed.stdout
    assert f"twilio api:serverless:v1:services:remove --sid {plugin_service['sid']}" in destroyed.stdout
    assert fetch_signed(sandbox, previous).content == first_bytes  # an older release's URL, after destroy
    assert fetch_signed(sandbox, ours["plugin_url"]).content == bundle.read_bytes()

    # Up again: the stack takes its own plugin service (and environment) back, refusing nothing, and
    # releases its plugin again; the older versions' URLs still serve.
    services_before = len(rest.list_all(f"{SERVERLESS}/Services", "services"))
    again = stack.up()
    assert "taken back" in again.stdout, again.stdout
    assert service_named(rest, PLUGIN_SERVICE)["sid"] == plugin_service["sid"]
    services = rest.list_all(f"{SERVERLESS}/Services", "services")
    assert len(services) == services_before + 1  # the functions' service only
    assert sum(1 for s in services if s["friendly_name"] == plugin_service["friendly_name"]) == 1
    assert versions_in_active(rest) == {OTHER: "0.1.0", "plugin-hand": "0.1.0", OURS: "0.0.2"}
    assert fetch_signed(sandbox, ours["plugin_url"]).content == bundle.read_bytes()
    assert fetch_signed(sandbox, previous).content == first_bytes
    mark = account.mark()
    stack.up()
    assert account.writes_since(mark) == []


def test_a_renamed_plugin_is_released_in_place_of_the_old_name(account, bundle):
    """A new plugin name is a new Flex plugin: one up releases it beside the other plugins and takes the old
    name out of the active release (the old release resource's delete, after the new one is released), and
    destroy then leaves only the other plugin."""
    sandbox, rest = account.sandbox, account.rest
    other_path = f"/plugins/{OTHER}/0.1.0/bundle.js"
    release_by_hand(
        rest,
        OTHER,
        f"https://{deploy_asset(sandbox, rest, 'other-plugins', other_path, OTHER_JS)}{other_path}",
    )
    stack = account.runner(
        "dev", {**account.config, "chat-transfer:plugin": {"name": OURS, "bundle": str(bundle)}}
    )
    stack.up()
    assert versions_in_active(rest) == {OTHER: "0.1.0", OURS: "0.0.1"}
    renamed = f"{OURS}-next"
    stack.set_config({"chat-transfer:plugin": {"name": renamed, "bundle": str(bundle)}})
    stack.up()
    assert versions_in_active(rest) == {OTHER: "0.1.0", renamed: "0.0.1"}
    ui = flex_ui(sandbox)
    assert ui[renamed]["loaded"] and ui[OTHER]["loaded"] and OURS not in ui, ui
    stack.destroy()
    assert versions_in_active(rest) == {OTHER: "0.1.0"}


def test_attached_stack_hosts_its_bundle_in_a_service_of_its_own(account, bundle):
    """Attached to the template's functions (functions.attachTo), the stack deploys no build there: its bundle
    goes to a small service and environment of its own; destroy gives back the active release without ours."""
    template = build_template_account(account.sandbox, account.rest, account.workspace_sid)
    builds_before = template.builds()
    source_map = bundle.with_name(bundle.name + ".map")
    source_map.write_text('{"version": 3, "sources": ["index.ts"], "mappings": ""}')
    config = {
        **account.config,
        "chat-transfer:functions": {"attachTo": {"service": SERVICE, "environment": ENVIRONMENT}},
        "chat-transfer:plugin": {"name": OURS, "bundle": str(bundle), "version": "2.0.0"},
    }
    stack = account.runner("dev", config)
    stack.up()
    assert template.builds() == builds_before
    ours = next(p for p in active(account.rest) if p["unique_name"] == OURS)
    assert ours["version"] == "2.0.0" and template.domain_name not in ours["plugin_url"]
    services = {s["unique_name"] for s in account.rest.list_all(f"{SERVERLESS}/Services", "services")}
    assert "chat-transfer-dev-plugin" in services
    assert fetch_signed(account.sandbox, ours["plugin_url"]).content == bundle.read_bytes()
    # The source map the build wrote beside the bundle is hosted beside it, as the CLI hosts it.
    assert fetch_signed(account.sandbox, ours["plugin_url"] + ".map").content == source_map.read_bytes()
    assert flex_ui(account.sandbox)[OURS]["loaded"]
    mark = account.mark()
    stack.up()
    assert account.writes_since(mark) == []
    stack.destroy()
    assert OURS not in versions_in_active(account.rest)
    assert template.builds() == builds_before


def test_a_plugin_service_is_kept_only_while_a_version_names_its_domain(account):
    """The plugin service's delete against the sandbox: kept (one line naming it and the command) while a
    version of its plugin names a URL on its domain; deleted when none does, e.g. nothing was released from
    it."""
    rest, lines = account.rest, []
    ctx = Context(rest=lambda: rest, log=lines.append)
    path = f"/plugins/{OURS}/0.0.1/bundle.js"
    hosting = deploy_asset(account.sandbox, rest, "hosting-plugin", path, OTHER_JS)
    unused = rest.post(f"{SERVERLESS}/Services", {"UniqueName": "unused-plugin", "FriendlyName": "unused"})
    rest.post(f"{SERVERLESS}/Services/{unused['sid']}/Environments", {"UniqueName": "plugins"})
    # A version of our plugin names the first service's domain; none names the second's.
    release_by_hand(rest, OURS, f"https://{hosting}{path}", keep_active=False)
    hosting_sid = service_named(rest, "hosting-plugin")["sid"]

    Service().delete(ctx, hosting_sid, {"unique_name": "hosting-plugin", "hosts_plugin": OURS})
    Service().delete(ctx, unused["sid"], {"unique_name": "unused-plugin", "hosts_plugin": OURS})

    assert service_named(rest, "hosting-plugin") is not None
    assert service_named(rest, "unused-plugin") is None
    assert len(lines) == 1 and lines[0].startswith(f"keeping service {hosting_sid} (hosting-plugin)"), lines
    assert f"services:remove --sid {hosting_sid}" in lines[0]
    assert fetch_signed(account.sandbox, f"https://{hosting}{path}").content == OTHER_JS


def test_destroy_deletes_a_plugin_service_nothing_was_released_from(account, bundle):
    """An up that hosted the bundle but could not make the plugin version (its creates dropped): no version,
    so no release, names the plugin service, and destroy deletes it like the functions' service."""
    sandbox, rest = account.sandbox, account.rest
    config = {**account.config, "chat-transfer:plugin": {"name": OURS, "bundle": str(bundle)}}
    stack = account.runner("dev", config)
    sandbox.add_fault(kind="drop", route=r"/PluginService/Plugins/[^/]+/Versions$")
    try:
        with pytest.raises(Exception) as failed:
            stack.up()
    finally:
        sandbox.clear_faults()
    assert "chat-transfer-plugin-version" in str(failed.value)
    plugin = rest.get(f"{PLUGINS}/Plugins/{OURS}")
    assert rest.list_all(f"{PLUGINS}/Plugins/{plugin['sid']}/Versions", "plugin_versions") == []
    assert service_named(rest, PLUGIN_SERVICE) is not None
    destroyed = stack.destroy()
    assert service_named(rest, PLUGIN_SERVICE) is None
    assert "keeping service" not in destroyed.stdout


def test_a_plugin_service_recorded_before_hosts_plugin_existed_gets_it_without_a_write(account):
    """State written before `hosts_plugin` existed: the next up diffs it in (so destroy then keeps the
    service) and sends nothing to Twilio."""
    rest = account.rest
    live = rest.post(f"{SERVERLESS}/Services", {"UniqueName": PLUGIN_SERVICE, "FriendlyName": "Flex plugin"})
    olds = {
        "unique_name": PLUGIN_SERVICE,
        "friendly_name": "Flex plugin",
        "include_credentials": True,
        "ui_editable": False,
        "sid": live["sid"],
    }
    news = {k: v for k, v in olds.items() if k != "sid"} | {"hosts_plugin": OURS}
    assert Service().changed(olds, news) == ["hosts_plugin"]
    mark = account.mark()
    outs = Service().update(Context(rest=lambda: rest, log=lambda line: None), live["sid"], olds, news)
    assert outs["hosts_plugin"] == OURS and outs["sid"] == live["sid"]
    assert account.writes_since(mark) == []


def test_a_plugin_service_name_held_by_anyone_else_is_still_refused(account, bundle):
    """Only the stack's own leftover (its exact friendly name, no functions) is taken back: a same-name
    service with another friendly name stops `up` in one line before any write, and one with the stack's
    friendly name that holds a function is refused by the service's Check too."""
    rest = account.rest
    config = {**account.config, "chat-transfer:plugin": {"name": OURS, "bundle": str(bundle)}}
    someone = rest.post(f"{SERVERLESS}/Services", {"UniqueName": PLUGIN_SERVICE, "FriendlyName": "someone's"})
    stack = account.runner("dev", config)
    mark = account.mark()
    with pytest.raises(Exception) as refused:
        stack.up()
    assert f"Functions service '{PLUGIN_SERVICE}' ({someone['sid']}) already exists" in str(refused.value)
    assert account.writes_since(mark) == []

    friendly = f"Flex plugin {OURS} (chat-transfer/dev)"
    rest.post(f"{SERVERLESS}/Services/{someone['sid']}", {"FriendlyName": friendly})
    rest.post(f"{SERVERLESS}/Services/{someone['sid']}/Functions", {"FriendlyName": "/theirs"})
    ctx = Context(rest=lambda: rest, log=lambda line: None, urn="urn:pulumi:dev::chat-transfer::t::p")
    news = {"unique_name": PLUGIN_SERVICE, "friendly_name": friendly, "hosts_plugin": OURS}
    with pytest.raises(NotOurs):
        Service().check(ctx, {}, news)
    rest.delete(f"{SERVERLESS}/Services/{someone['sid']}/Functions/{_only_function(rest, someone['sid'])}")
    assert Service().check(ctx, {}, news)["hosts_plugin"] == OURS  # now it is one to take back


def _only_function(rest: Rest, service_sid: str) -> str:
    (function,) = rest.list_all(f"{SERVERLESS}/Services/{service_sid}/Functions", "functions")
    return function["sid"]


def test_preview_shows_the_plugin_change_in_one_line(account, bundle):
    release_by_hand(account.rest, OTHER, "https://example.invalid/plugins/plugin-other/0.1.0/bundle.js")
    config = {**account.config, "chat-transfer:plugin": {"name": OURS, "bundle": str(bundle)}}
    stack = account.runner("dev", config)
    mark = account.mark()
    preview = stack.preview()
    assert account.writes_since(mark) == []
    line = f"plugin {OURS}: not released → 0.0.1 (bundle sha256:"
    assert line in preview.stdout and f"other plugins kept: {OTHER}@0.1.0" in preview.stdout, preview.stdout


# ---- hostile inputs: one line each, before any write ---------------------------------------------------
def prepared(account: Account, bundle: Path, **settings):
    rest = Rest(
        make_client(account.sandbox.account_sid, account.sandbox.auth_token, sandbox_url=account.sandbox.url)
    )
    return prepare_plugin(
        rest, PluginSettings(name=OURS, bundle=str(bundle), **settings), bundle.parent, "p/dev"
    )


def test_hostile_bundles_and_versions_are_one_line_before_any_write(account, bundle, tmp_path):
    mark = account.mark()
    problems = []
    for make, settings in (
        (lambda: tmp_path / "missing.js", {}),
        (lambda: (tmp_path / "empty.js").write_bytes(b"  \n") and tmp_path / "empty.js", {}),
        (lambda: _sparse(tmp_path / "huge.js", ASSET_MAX_BYTES + 1), {}),
    ):
        with pytest.raises(PluginError) as refused:
            prepared(account, make(), **settings)
        problems.append(str(refused.value))
    assert "no such file" in problems[0] and "empty" in problems[1]
    assert f"{ASSET_MAX_BYTES + 1} bytes" in problems[2] and "25 MB" in problems[2]
    assert all("\n" not in p and p.startswith("chat-transfer:plugin.bundle: ") for p in problems)
    assert account.writes_since(mark) == []
    # A version not greater than the latest.
    plugin = account.rest.post(f"{PLUGINS}/Plugins", {"UniqueName": OURS})
    account.rest.post(
        f"{PLUGINS}/Plugins/{plugin['sid']}/Versions",
        {"Version": "1.2.0", "PluginUrl": "https://x.twil.io/a.js"},
    )
    mark = account.mark()
    for version in ("1.1.9", "1.2.0"):
        with pytest.raises(PluginError) as refused:
            prepared(account, bundle, version=version)
        assert "1.2.0" in str(refused.value) and "(fix: " in str(refused.value)
    assert prepared(account, bundle, version="1.3.0").version == "1.3.0"
    assert prepared(account, bundle).version == "1.2.1"  # derived: the patch after the latest
    assert account.writes_since(mark) == []


def test_a_refused_plugin_config_ends_up_in_one_line_with_nothing_written(account, tmp_path):
    for plugin, expected in (
        (
            {"name": "Chat Transfer!", "bundle": "x.js"},
            "chat-transfer:plugin.name: 'Chat Transfer!' is not a name",
        ),
        ({"name": OURS, "bundle": str(tmp_path / "nope.js")}, "chat-transfer:plugin.bundle: "),
    ):
        stack = account.runner("dev", {**account.config, "chat-transfer:plugin": plugin})
        mark = account.mark()
        with pytest.raises(Exception) as failed:
            stack.up()
        assert expected in str(failed.value) and "Traceback" not in str(failed.value)
        assert account.writes_since(mark) == []


def _sparse(path: Path, size: int) -> Path:
    with path.open("wb") as out:
        out.truncate(size)
    return path
