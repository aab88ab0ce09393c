"""Serverless rules in-process: build timing on a fake clock, deployment refusals, the code checks and the
Dependencies/Runtime parameters (no HTTP server)."""

from __future__ import annotations

import json

import pytest

from flex_chat_transfer.sandbox.core.errors import InvalidParameter, UnsupportedRuntime
from flex_chat_transfer.sandbox.core.store import Store
from flex_chat_transfer.sandbox.serverless import builds
from flex_chat_transfer.sandbox.serverless.models import ServerlessBackend

OK = b"exports.handler = (context, event, callback) => callback(null, 'ok');\n"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def models(tmp_path, clock) -> ServerlessBackend:
    return ServerlessBackend(Store(tmp_path / "s.db"), build_seconds=5, clock=clock)


def _service_with_version(models: ServerlessBackend, content: bytes = OK, path: str = "/ok"):
    service = models.create_service(
        "AC" + "0" * 32, "svc", "svc", include_credentials=True, ui_editable=False
    )
    environment = models.create_environment(service["sid"], "production", None)
    function = models.create_container("function", service["sid"], path)
    version = models.create_version("function", service["sid"], function["sid"], path, "public", content)
    return service, environment, version


def test_a_build_stays_building_for_build_seconds_then_shows_its_outcome(models, clock):
    service, environment, version = _service_with_version(models)
    build = models.create_build(service["sid"], [version["sid"]], [], None, None)
    models.run_checks(build["sid"])  # what the create request starts in the background
    assert models.build(service["sid"], build["sid"])["status"] == "building"
    clock.now += 4.9
    assert models.build(service["sid"], build["sid"])["status"] == "building"
    with pytest.raises(InvalidParameter, match="is building; only a completed build can be deployed"):
        models.create_deployment(service["sid"], environment["sid"], build["sid"])
    clock.now += 0.2
    assert models.build(service["sid"], build["sid"])["status"] == "completed"
    deployment = models.create_deployment(service["sid"], environment["sid"], build["sid"])
    assert deployment["build_sid"] == build["sid"]
    assert models.environment(service["sid"], environment["sid"])["build_sid"] == build["sid"]


def test_a_build_whose_checks_never_ran_is_checked_when_first_read(models, clock):
    # e.g. the server restarted while the background check was running
    service, _, version = _service_with_version(models, b"exports.handler = (;\n", "/bad")
    build = models.create_build(service["sid"], [version["sid"]], [], None, None)
    clock.now += 5
    settled = models.build(service["sid"], build["sid"])
    assert settled["status"] == "failed"
    assert settled["_reason"].startswith("function /bad: node --check failed: line 1: SyntaxError")
    assert (models.builds_dir / build["sid"] / "functions" / "bad.js").is_file()


def test_builds_refuse_versions_of_other_services_and_duplicate_paths(models):
    service, _, version = _service_with_version(models)
    other = models.create_service(
        "AC" + "0" * 32, "other", "other", include_credentials=True, ui_editable=False
    )
    with pytest.raises(InvalidParameter, match="is not a version in service"):
        models.create_build(other["sid"], [version["sid"]], [], None, None)
    function = models.create_container("function", service["sid"], "/ok2")
    again = models.create_version("function", service["sid"], function["sid"], "ok", "public", OK)
    with pytest.raises(InvalidParameter, match="two versions for path /ok"):
        models.create_build(service["sid"], [version["sid"], again["sid"]], [], None, None)
    with pytest.raises(UnsupportedRuntime) as unknown:
        models.create_build(service["sid"], [version["sid"]], [], None, "python3")
    assert unknown.value.code == 82007


@pytest.mark.parametrize(
    "raw",
    [
        '[{"name": "lodash", "version": "4.17.21"}]',
        '"[{"name":"lodash","version":"4.17.21"}]"',  # serverless-api: '"' + JSON.stringify(deps) + '"'
        json.dumps(json.dumps([{"name": "lodash", "version": "4.17.21"}])),  # a JSON-encoded string
    ],
)
def test_dependencies_are_read_plain_or_extra_quoted(raw):
    assert builds.parse_dependencies(raw) == [{"name": "lodash", "version": "4.17.21"}]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("[{name: lodash}]", "Dependencies is not valid JSON"),
        ('{"lodash": "4"}', "must be a JSON array"),
        ('[{"version": "4"}]', r"Dependencies\[0\] must be an object with string name"),
    ],
)
def test_bad_dependencies_are_one_clear_line(raw, message):
    with pytest.raises(builds.BuildInputError, match=message):
        builds.parse_dependencies(raw)


def test_twilio_default_dependencies_are_added_unless_declared():
    declared = [{"name": "twilio", "version": "6.2.0"}]
    names = [(d["name"], d["version"]) for d in builds.with_twilio_defaults(declared)]
    assert names[0] == ("twilio", "6.2.0") and [n for n, _ in names].count("twilio") == 1
    assert "@twilio/runtime-handler" in [n for n, _ in names]


def test_runtime_defaults_to_node22_and_accepts_the_documented_set():
    assert builds.parse_runtime(None) == "node22"
    assert builds.parse_runtime("node24") == "node24"
    with pytest.raises(builds.BuildInputError) as unknown:
        builds.parse_runtime("node16")
    assert unknown.value.code == 82007


def test_required_packages_finds_bare_requires_and_imports_only():
    source = """
    const a = require('twilio');
    const b = require("@twilio/runtime-handler/lib/x");
    const c = require('./local');
    const d = require('node:crypto');
    import e from 'lodash/fp';
    import 'side-effect';
    const f = await import('dyn');
    export { g } from "reexport";
    """
    assert builds.required_packages(source) == [
        "twilio",
        "@twilio/runtime-handler",
        "node:crypto",
        "lodash",
        "side-effect",
        "dyn",
        "reexport",
    ]


def test_check_build_passes_builtins_defaults_and_declared_and_names_the_missing_one(tmp_path):
    code = b"require('fs'); require('node:path'); require('twilio'); require('left-pad');\n" + OK
    version = builds.BuildFile("/f", "protected", code)
    target = tmp_path / "ZB1"
    builds.materialise(target, [version], [], [])
    assert (target / "functions" / "f.protected.js").read_bytes() == code
    missing = builds.check_build(target, [version], [], "node22")
    assert missing.status == "failed" and "requires 'left-pad'" in missing.reason
    declared = builds.check_build(target, [version], [{"name": "left-pad", "version": "1.3.0"}], "node22")
    assert declared == builds.BuildOutcome("completed")
