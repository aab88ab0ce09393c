"""The Flex Plugins API in the sandbox through the unmodified twilio SDK (every JSON answer checked against
twilio_flex_v1.json by the `twilio` fixture), and `GET /_sandbox/flex-ui` loading what the active release
names from Serverless assets deployed in the sandbox."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from twilio.base.exceptions import TwilioRestException

GOOD_JS = b"(function () { window.__plugin_loaded = true; })();\n"
BROKEN_JS = b"(function () { window.__plugin_loaded = ; })();\n"


@pytest.fixture
def http(sandbox):
    with httpx.Client(base_url=sandbox.url, auth=(sandbox.account_sid, sandbox.auth_token), timeout=30) as c:
        yield c


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _entry(version_sid: str) -> dict:
    return {"plugin_version": version_sid, "phase": 3}


def deploy_assets(twilio, http, files: dict[str, tuple[bytes, str]]) -> str:
    """Assets (path -> (content, visibility)) built and deployed to a new environment; its domain name."""
    sdk = twilio.serverless.v1
    service = sdk.services.create(unique_name=_name("plugins"), friendly_name="plugins")
    environment = sdk.services(service.sid).environments.create(unique_name="production")
    versions = []
    for path, (content, visibility) in files.items():
        asset = sdk.services(service.sid).assets.create(friendly_name=path)
        response = http.post(
            f"/serverless-upload/v1/Services/{service.sid}/Assets/{asset.sid}/Versions",
            data={"Path": path, "Visibility": visibility},
            files={"Content": ("bundle.js", content, "application/javascript")},
        )
        assert response.status_code == 201, response.text
        versions.append(response.json()["sid"])
    build = sdk.services(service.sid).builds.create(asset_versions=versions)
    assert http.post("/_sandbox/clock", json={"advance": 60}).status_code == 200
    assert sdk.services(service.sid).builds(build.sid).build_status().fetch().status == "completed"
    sdk.services(service.sid).environments(environment.sid).deployments.create(build_sid=build.sid)
    return environment.domain_name


def test_plugins_are_upserted_by_name_and_only_archived(twilio, seeded):
    flex = twilio.flex_api.v1
    plugin = flex.plugins.create(unique_name="plugin-a", friendly_name="A", description="first")
    assert plugin.sid.startswith("FP") and plugin.archived is False
    assert flex.plugins("plugin-a").fetch().sid == plugin.sid  # fetched by unique name, as the CLI does
    assert flex.plugins(plugin.sid).update(friendly_name="A2").friendly_name == "A2"
    with pytest.raises(TwilioRestException) as duplicate:
        flex.plugins.create(unique_name="plugin-a")
    assert duplicate.value.status == 409
    with pytest.raises(TwilioRestException) as bad_name:
        flex.plugins.create(unique_name="Plugin A!")
    assert bad_name.value.status == 400 and "UniqueName" in bad_name.value.msg
    with pytest.raises(TwilioRestException) as unknown:
        flex.plugins("plugin-nope").fetch()
    assert unknown.value.status == 404 and unknown.value.code == 20404
    assert [p.unique_name for p in flex.plugins.list()] == ["plugin-a"]
    archived = flex.plugin_archive(plugin.sid).update()
    assert archived.archived is True
    with pytest.raises(TwilioRestException) as closed:
        flex.plugins(plugin.sid).plugin_versions.create(
            resource_version="1.0.0", plugin_url="https://x.twil.io/a.js"
        )
    assert closed.value.status == 400 and "archived" in closed.value.msg


def test_versions_are_immutable_listed_newest_first_and_unique(twilio, seeded):
    flex = twilio.flex_api.v1
    plugin = flex.plugins.create(unique_name="plugin-v")
    versions = flex.plugins(plugin.sid).plugin_versions
    first = versions.create(
        resource_version="1.0.0", plugin_url="https://x.twil.io/v/1.0.0/bundle.js", private=True
    )
    second = versions.create(
        resource_version="1.0.1", plugin_url="https://x.twil.io/v/1.0.1/bundle.js", changelog="c"
    )
    assert first.sid.startswith("FV") and first.private is True and first.plugin_sid == plugin.sid
    assert [v.version for v in versions.list()] == ["1.0.1", "1.0.0"]  # the CLI's "latest" is the first
    assert versions("1.0.0").fetch().sid == first.sid and versions(second.sid).fetch().changelog == "c"
    for bad, status in (("1.0.0", 409), ("one", 400)):
        with pytest.raises(TwilioRestException) as refused:
            versions.create(resource_version=bad, plugin_url="https://x.twil.io/v/bundle.js")
        assert refused.value.status == status
    with pytest.raises(TwilioRestException) as no_url:
        versions.create(resource_version="2.0.0", plugin_url="not a url")
    assert no_url.value.status == 400
    assert flex.plugin_version_archive(plugin.sid, first.sid).update().archived is True


def test_configurations_releases_and_what_the_active_release_protects(twilio, seeded):
    flex = twilio.flex_api.v1
    a = flex.plugins.create(unique_name="plugin-a")
    b = flex.plugins.create(unique_name="plugin-b")
    a1 = flex.plugins(a.sid).plugin_versions.create(
        resource_version="1.0.0", plugin_url="https://x.twil.io/a.js"
    )
    b1 = flex.plugins(b.sid).plugin_versions.create(
        resource_version="0.1.0", plugin_url="https://x.twil.io/b.js"
    )
    assert flex.plugin_releases.list() == []
    both = flex.plugin_configurations.create(name="both", plugins=[_entry(a1.sid), _entry(b1.sid)])
    assert both.sid.startswith("FJ") and both.archived is False
    configured = {p.unique_name: p for p in flex.plugin_configurations(both.sid).plugins.list()}
    assert set(configured) == {"plugin-a", "plugin-b"}
    assert configured["plugin-a"].plugin_version_sid == a1.sid and configured["plugin-a"].phase == 3
    assert configured["plugin-b"].version == "0.1.0" and configured["plugin-b"].plugin_url.endswith("/b.js")
    assert flex.plugin_configurations(both.sid).plugins(b.sid).fetch().plugin_version_sid == b1.sid
    for plugins in ([_entry(a1.sid), _entry(a1.sid)], ['{"phase": 3}']):
        with pytest.raises(TwilioRestException) as refused:
            flex.plugin_configurations.create(name="bad", plugins=plugins)
        assert refused.value.status == 400
    release = flex.plugin_releases.create(configuration_id=both.sid)
    assert release.sid.startswith("FK") and release.configuration_sid == both.sid
    only_b = flex.plugin_configurations.create(name="only b", plugins=[_entry(b1.sid)])
    second = flex.plugin_releases.create(configuration_id=only_b.sid)
    assert [r.sid for r in flex.plugin_releases.list()] == [second.sid, release.sid]  # active first
    assert flex.plugin_releases(release.sid).fetch().configuration_sid == both.sid
    # What the active release uses cannot be archived; what it no longer uses can.
    for archive in (
        lambda: flex.plugin_archive(b.sid).update(),
        lambda: flex.plugin_version_archive(b.sid, b1.sid).update(),
        lambda: flex.plugin_configuration_archive(only_b.sid).update(),
    ):
        with pytest.raises(TwilioRestException) as refused:
            archive()
        assert refused.value.status == 400 and "active release" in refused.value.msg
    assert flex.plugin_version_archive(a.sid, a1.sid).update().archived is True
    with pytest.raises(TwilioRestException) as stale:
        flex.plugin_releases.create(configuration_id=both.sid)  # holds the archived version now
    assert stale.value.status == 400 and "archived" in stale.value.msg
    with pytest.raises(TwilioRestException) as unknown:
        flex.plugin_releases.create(configuration_id="FJ" + "0" * 32)
    assert unknown.value.status == 404


def test_flex_ui_loads_the_active_release_from_deployed_assets(twilio, seeded, http, sandbox):
    assert http.get("/_sandbox/flex-ui").json() == {"release": None, "configuration": None, "plugins": []}
    domain = deploy_assets(
        twilio,
        http,
        {
            "/plugins/plugin-good/1.0.0/bundle.js": (GOOD_JS, "protected"),
            "/plugins/plugin-open/1.0.0/bundle.js": (GOOD_JS, "public"),
            "/plugins/plugin-broken/1.0.0/bundle.js": (BROKEN_JS, "protected"),
        },
    )
    flex = twilio.flex_api.v1
    entries = []
    for name, private, path in (
        ("plugin-good", True, "/plugins/plugin-good/1.0.0/bundle.js"),
        ("plugin-open", False, "/plugins/plugin-open/1.0.0/bundle.js"),
        ("plugin-broken", True, "/plugins/plugin-broken/1.0.0/bundle.js"),
        ("plugin-gone", True, "/plugins/plugin-gone/1.0.0/bundle.js"),
        # A private version whose asset is public still loads; a public version of a protected asset does
        # not: Flex sends no signature for it.
        ("plugin-unsigned", False, "/plugins/plugin-good/1.0.0/bundle.js"),
    ):
        plugin = flex.plugins.create(unique_name=name)
        version = flex.plugins(plugin.sid).plugin_versions.create(
            resource_version="1.0.0", plugin_url=f"https://{domain}{path}", private=private
        )
        entries.append(_entry(version.sid))
    configuration = flex.plugin_configurations.create(name="ui", plugins=entries)
    release = flex.plugin_releases.create(configuration_id=configuration.sid)
    ui = http.get("/_sandbox/flex-ui").json()
    assert ui["release"] == release.sid and ui["configuration"] == configuration.sid
    by_name = {p["name"]: p for p in ui["plugins"]}
    assert by_name["plugin-good"]["loaded"] is True and by_name["plugin-good"]["error"] is None
    assert by_name["plugin-open"]["loaded"] is True
    assert by_name["plugin-broken"]["loaded"] is False and "SyntaxError" in by_name["plugin-broken"]["error"]
    assert by_name["plugin-gone"]["loaded"] is False and "404" in by_name["plugin-gone"]["error"]
    assert by_name["plugin-unsigned"]["loaded"] is False and "401" in by_name["plugin-unsigned"]["error"]
    assert by_name["plugin-good"]["url"] == f"https://{domain}/plugins/plugin-good/1.0.0/bundle.js"
    # The served bytes are the uploaded ones, for a caller holding Twilio's signature only.
    served = httpx.get(f"{sandbox.url}/_runtime/{domain}/plugins/plugin-open/1.0.0/bundle.js", timeout=30)
    assert served.status_code == 200 and served.content == GOOD_JS
    # A protected bundle: with the account's credentials, never without, nor with wrong ones.
    protected = f"{sandbox.url}/_runtime/{domain}/plugins/plugin-good/1.0.0/bundle.js"
    account = (sandbox.account_sid, sandbox.auth_token)
    assert httpx.get(protected, auth=account, timeout=30).content == GOOD_JS
    assert httpx.get(protected, auth=(sandbox.account_sid, "wrong"), timeout=30).status_code == 401
    assert httpx.get(protected, timeout=30).status_code == 401
    assert json.loads(json.dumps(ui)) == ui
