"""Serverless state and Twilio's rules about it: services, environments, functions, assets and their versions,
builds (async, really checked), deployments and variables. No HTTP here: handlers in responses.py parse the
request and render what these methods return.

Documents are stored as the public fields plus a few private ones whose names start with `_` (content of a
version, a build's check outcome); renderers never emit those.
"""

from __future__ import annotations

import base64
import random
import re
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flex_chat_transfer.sandbox.core.errors import Conflict, InvalidParameter, NotFound, UnsupportedRuntime
from flex_chat_transfer.sandbox.core.sids import is_sid
from flex_chat_transfer.sandbox.core.store import ResourceTable, Store
from flex_chat_transfer.sandbox.serverless import builds as build_checks

UNIQUE_NAME_MAX = 50
FRIENDLY_NAME_MAX = 255
ENVIRONMENT_NAME_MAX = 100
DOMAIN_SUFFIX_MAX = 16
PATH_MAX = 255
VARIABLE_KEY_MAX = 128
VARIABLE_VALUE_MAX_BYTES = 450
VISIBILITIES = ("public", "protected", "private")
_URL_FRIENDLY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


def _check_length(name: str, value: str, maximum: int) -> None:
    if len(value) > maximum:
        raise InvalidParameter(f"{name} is {len(value)} characters long; the maximum is {maximum}")


def _check_url_friendly(name: str, value: str) -> None:
    if not _URL_FRIENDLY.match(value):
        raise InvalidParameter(
            f"{name} {value!r} must be URL-friendly: letters, digits, '-' and '_', starting alphanumeric"
        )


class ServerlessBackend:
    def __init__(
        self,
        store: Store,
        build_seconds: float = 1.0,
        builds_dir: Path | None = None,
        clock: Callable[[], float] = time.time,
        node: str = "node",
    ) -> None:
        self.store = store
        self.node = node
        self.build_seconds = build_seconds
        self.clock = clock
        if builds_dir is None:
            # builds live next to the --db file; an in-memory store gets a private temporary directory
            in_memory = str(store.path) == ":memory:"
            builds_dir = (
                Path(tempfile.mkdtemp(prefix="sandbox-builds-"))
                if in_memory
                else (store.path.parent / "builds")
            )
        self.builds_dir = builds_dir
        self.services = ResourceTable(store, "serverless.service", "ZS")
        self.environments = ResourceTable(store, "serverless.environment", "ZE")
        self.functions = ResourceTable(store, "serverless.function", "ZH")
        self.function_versions = ResourceTable(store, "serverless.function_version", "ZN")
        self.assets = ResourceTable(store, "serverless.asset", "ZH")
        self.asset_versions = ResourceTable(store, "serverless.asset_version", "ZN")
        self.builds = ResourceTable(store, "serverless.build", "ZB")
        self.deployments = ResourceTable(store, "serverless.deployment", "ZD")
        self.variables = ResourceTable(store, "serverless.variable", "ZV")
        self._check_locks: dict[str, threading.Lock] = {}
        self._check_locks_guard = threading.Lock()

    # ---- services ------------------------------------------------------------------------------------------
    def create_service(
        self,
        account_sid: str,
        unique_name: str,
        friendly_name: str,
        include_credentials: bool,
        ui_editable: bool,
    ) -> dict[str, Any]:
        _check_length("UniqueName", unique_name, UNIQUE_NAME_MAX)
        _check_url_friendly("UniqueName", unique_name)
        _check_length("FriendlyName", friendly_name, FRIENDLY_NAME_MAX)
        with self.store.transaction():
            if self.services.list(unique_name=unique_name):
                raise InvalidParameter(
                    f"Service with UniqueName {unique_name!r} already exists; pick another name"
                )
            return self.services.create(
                {
                    "account_sid": account_sid,
                    "friendly_name": friendly_name,
                    "unique_name": unique_name,
                    "include_credentials": include_credentials,
                    "ui_editable": ui_editable,
                    # Twilio appends a random 4-digit suffix to make the domain base unique
                    "domain_base": f"{unique_name.lower()}-{random.randint(1000, 9999)}",
                }
            )

    def list_services(self) -> list[dict[str, Any]]:
        return self.services.list()

    def service(self, ref: str) -> dict[str, Any]:
        """By SID or by UniqueName (Twilio accepts either in the path)."""
        doc = (
            self.services.get(ref)
            if is_sid(ref, "ZS")
            else next(iter(self.services.list(unique_name=ref)), None)
        )
        if doc is None:
            raise NotFound(f"/Services/{ref}")
        return doc

    def update_service(self, ref: str, changes: dict[str, Any]) -> dict[str, Any]:
        doc = self.service(ref)
        if "friendly_name" in changes:
            _check_length("FriendlyName", changes["friendly_name"], FRIENDLY_NAME_MAX)
        return self.services.update(doc["sid"], changes) if changes else doc

    def delete_service(self, ref: str) -> None:
        self.services.delete(self.service(ref)["sid"])

    # ---- environments --------------------------------------------------------------------------------------
    def create_environment(
        self, service_ref: str, unique_name: str, domain_suffix: str | None
    ) -> dict[str, Any]:
        service = self.service(service_ref)
        _check_length("UniqueName", unique_name, ENVIRONMENT_NAME_MAX)
        if domain_suffix:
            _check_length("DomainSuffix", domain_suffix, DOMAIN_SUFFIX_MAX)
            _check_url_friendly("DomainSuffix", domain_suffix)
        suffix = domain_suffix or None
        with self.store.transaction():
            existing = self.environments.list(parent=service["sid"])
            if any(e["unique_name"] == unique_name for e in existing):
                raise InvalidParameter(
                    f"Environment with UniqueName {unique_name!r} already exists in service {service['sid']}"
                )
            if any(e["domain_suffix"] == suffix for e in existing):
                shown = repr(suffix) if suffix else "none"
                raise InvalidParameter(
                    f"An environment with DomainSuffix {shown} already exists in service {service['sid']}; "
                    "give each environment its own DomainSuffix"
                )
            base = service["domain_base"]
            return self.environments.create(
                {
                    "account_sid": service["account_sid"],
                    "service_sid": service["sid"],
                    "build_sid": None,
                    "unique_name": unique_name,
                    "domain_suffix": suffix,
                    "domain_name": f"{base}-{suffix}.twil.io" if suffix else f"{base}.twil.io",
                },
                parent=service["sid"],
            )

    def list_environments(self, service_ref: str) -> list[dict[str, Any]]:
        return self.environments.list(parent=self.service(service_ref)["sid"])

    def delete_environment(self, service_ref: str, sid: str) -> None:
        self.environments.delete(self.environment(service_ref, sid)["sid"])

    def environment(self, service_ref: str, sid: str) -> dict[str, Any]:
        service = self.service(service_ref)
        return self.environments.fetch(
            sid, service["sid"], path=f"/Services/{service['sid']}/Environments/{sid}"
        )

    def environment_by_domain(self, domain_name: str) -> dict[str, Any] | None:
        return next(iter(self.environments.list(domain_name=domain_name)), None)

    # ---- functions and assets (same shape) -----------------------------------------------------------------
    def _container(self, kind: str) -> tuple[ResourceTable, ResourceTable, str]:
        if kind == "function":
            return self.functions, self.function_versions, "Functions"
        return self.assets, self.asset_versions, "Assets"

    def create_container(self, kind: str, service_ref: str, friendly_name: str) -> dict[str, Any]:
        service = self.service(service_ref)
        _check_length("FriendlyName", friendly_name, FRIENDLY_NAME_MAX)
        table, _, _ = self._container(kind)
        return table.create(
            {
                "account_sid": service["account_sid"],
                "service_sid": service["sid"],
                "friendly_name": friendly_name,
            },
            parent=service["sid"],
        )

    def list_containers(self, kind: str, service_ref: str) -> list[dict[str, Any]]:
        table, _, _ = self._container(kind)
        return table.list(parent=self.service(service_ref)["sid"])

    def rename_container(self, kind: str, service_ref: str, sid: str, friendly_name: str) -> dict[str, Any]:
        doc = self.container(kind, service_ref, sid)
        _check_length("FriendlyName", friendly_name, FRIENDLY_NAME_MAX)
        table, _, _ = self._container(kind)
        return table.update(doc["sid"], {"friendly_name": friendly_name})

    def delete_container(self, kind: str, service_ref: str, sid: str) -> None:
        doc = self.container(kind, service_ref, sid)
        if kind == "function":
            self._refuse_if_deployed(doc)
        table, _, _ = self._container(kind)
        table.delete(doc["sid"])

    def _deployed_builds(self, service_sid: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """(environment, build) for every environment of the service that serves a build."""
        pairs = []
        for environment in self.environments.list(parent=service_sid):
            build = self.builds.get(environment["build_sid"]) if environment["build_sid"] else None
            if build is not None:
                pairs.append((environment, build))
        return pairs

    def _refuse_if_deployed(self, function: dict[str, Any]) -> None:
        """Twilio refuses to delete a Function while a version of it is in a build an environment serves
        (serverless-toolkit#148, a maintainer); deploying a build without it, or deleting the environment,
        comes first."""
        for environment, build in self._deployed_builds(function["service_sid"]):
            functions, _ = self.build_versions(build)
            if any(v["function_sid"] == function["sid"] for v in functions):
                raise Conflict(
                    f"Function {function['sid']} has a version in build {build['sid']}, which environment "
                    f"{environment['unique_name']} ({environment['sid']}) serves (fix: deploy a build "
                    "without it, or delete that environment, before deleting the function)"
                )

    def list_versions(self, kind: str, service_ref: str, container_sid: str) -> list[dict[str, Any]]:
        parent = self.container(kind, service_ref, container_sid)
        _, versions, _ = self._container(kind)
        return versions.list(parent=parent["sid"])

    def container(self, kind: str, service_ref: str, sid: str) -> dict[str, Any]:
        service = self.service(service_ref)
        table, _, segment = self._container(kind)
        return table.fetch(sid, service["sid"], path=f"/Services/{service['sid']}/{segment}/{sid}")

    def create_version(
        self, kind: str, service_ref: str, container_sid: str, path: str, visibility: str, content: bytes
    ) -> dict[str, Any]:
        parent = self.container(kind, service_ref, container_sid)
        path = path if path.startswith("/") else "/" + path
        _check_length("Path", path, PATH_MAX)
        if visibility not in VISIBILITIES:
            raise InvalidParameter(f"Visibility {visibility!r} is not one of {', '.join(VISIBILITIES)}")
        _, versions, _ = self._container(kind)
        owner = "function_sid" if kind == "function" else "asset_sid"
        return versions.create(
            {
                "account_sid": parent["account_sid"],
                "service_sid": parent["service_sid"],
                owner: parent["sid"],
                "path": path,
                "visibility": visibility,
                "_content": base64.b64encode(content).decode(),
            },
            parent=parent["sid"],
        )

    def version(self, kind: str, service_ref: str, container_sid: str, sid: str) -> dict[str, Any]:
        parent = self.container(kind, service_ref, container_sid)
        _, versions, segment = self._container(kind)
        return versions.fetch(
            sid,
            parent["sid"],
            path=f"/Services/{parent['service_sid']}/{segment}/{parent['sid']}/Versions/{sid}",
        )

    @staticmethod
    def version_content(version: dict[str, Any]) -> bytes:
        return base64.b64decode(version["_content"])

    # ---- builds --------------------------------------------------------------------------------------------
    def create_build(
        self,
        service_ref: str,
        function_version_sids: list[str],
        asset_version_sids: list[str],
        dependencies_raw: str | None,
        runtime_raw: str | None,
        injected_failure: Callable[[], str | None] = lambda: None,
    ) -> dict[str, Any]:
        """`injected_failure` is asked once the build is valid (so a refused create uses no fault): a reason
        means the build ends `failed` with it instead of being checked."""
        service = self.service(service_ref)
        try:
            dependencies = build_checks.parse_dependencies(dependencies_raw)
            runtime = build_checks.parse_runtime(runtime_raw)
        except build_checks.BuildInputError as error:
            if error.code == 82007:
                raise UnsupportedRuntime(repr(runtime_raw)) from None
            raise InvalidParameter(str(error)) from None
        if not function_version_sids and not asset_version_sids:
            raise InvalidParameter(
                "A build needs at least one FunctionVersions or AssetVersions SID (fix: FunctionVersions=ZN…)"
            )
        functions = [
            self._version_in_service(self.function_versions, "FunctionVersions", sid, service["sid"])
            for sid in function_version_sids
        ]
        assets = [
            self._version_in_service(self.asset_versions, "AssetVersions", sid, service["sid"])
            for sid in asset_version_sids
        ]
        for label, versions in (("FunctionVersions", functions), ("AssetVersions", assets)):
            paths = [v["path"] for v in versions]
            duplicate = next((p for p in paths if paths.count(p) > 1), None)
            if duplicate:
                raise InvalidParameter(f"{label} has two versions for path {duplicate}; include one per path")
        injected = injected_failure()
        return self.builds.create(
            {
                "account_sid": service["account_sid"],
                "service_sid": service["sid"],
                "status": "building",
                "asset_versions": [v["sid"] for v in assets],
                "function_versions": [v["sid"] for v in functions],
                "dependencies": build_checks.with_twilio_defaults(dependencies),
                "runtime": runtime,
                "_declared_dependencies": dependencies,
                "_functions": functions,
                "_assets": assets,
                "_ready_at": self.clock() + self.build_seconds,
                **({"_outcome": "failed", "_reason": injected} if injected else {}),
            },
            parent=service["sid"],
        )

    def _version_in_service(
        self, table: ResourceTable, param: str, sid: str, service_sid: str
    ) -> dict[str, Any]:
        doc = table.get(sid) if is_sid(sid, "ZN") else None
        if doc is None or doc["service_sid"] != service_sid:
            raise InvalidParameter(f"{param} {sid!r} is not a version in service {service_sid}")
        return doc

    def list_builds(self, service_ref: str) -> list[dict[str, Any]]:
        return [self.settle_build(d) for d in self.builds.list(parent=self.service(service_ref)["sid"])]

    def build(self, service_ref: str, sid: str) -> dict[str, Any]:
        service = self.service(service_ref)
        doc = self.builds.fetch(sid, service["sid"], path=f"/Services/{service['sid']}/Builds/{sid}")
        return self.settle_build(doc)

    @staticmethod
    def build_versions(doc: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The versions as they were when the build was made (later deletes do not change it)."""
        return doc["_functions"], doc["_assets"]

    def build_dir(self, build_sid: str) -> Path:
        return self.builds_dir / build_sid

    def start_checks(self, build_sid: str) -> None:
        """Check in the background so the create answers `building` at once, like Twilio's. A build whose
        checks a stopped sandbox never finished is checked by its next reader (settle_build)."""
        threading.Thread(
            target=self.run_checks, args=(build_sid,), daemon=True, name=f"build-{build_sid}"
        ).start()

    def run_checks(self, build_sid: str) -> None:
        """Materialise and check a build once (safe from the creating request and any reader)."""
        with self._check_locks_guard:
            lock = self._check_locks.setdefault(build_sid, threading.Lock())
        with lock:
            doc = self.builds.get(build_sid)
            if doc is None or "_outcome" in doc:
                return
            functions, assets = self.build_versions(doc)
            as_files = self._files(functions)
            build_dir = self.build_dir(build_sid)
            try:
                build_checks.materialise(build_dir, as_files, self._files(assets), doc["dependencies"])
                outcome = build_checks.check_build(
                    build_dir, as_files, doc["_declared_dependencies"], doc["runtime"], self.node
                )
            except (OSError, subprocess.SubprocessError) as error:
                # the sandbox could not check (no node, disk full): say so rather than hang in `building`
                reason = f"the sandbox could not check the build: {error}"
                outcome = build_checks.BuildOutcome("failed", reason)
            try:
                self.builds.update(build_sid, {"_outcome": outcome.status, "_reason": outcome.reason})
            except NotFound:
                pass  # deleted (or the sandbox reset) while it was being checked

    def materialised_dir(self, build_sid: str) -> Path:
        """The build's directory, written again if it went missing (e.g. the state dir was cleaned)."""
        build_dir = self.build_dir(build_sid)
        if not build_dir.exists():
            doc = self.builds.get(build_sid)
            if doc is None:
                raise NotFound(f"/Builds/{build_sid}")
            functions, assets = self.build_versions(doc)
            build_checks.materialise(
                build_dir, self._files(functions), self._files(assets), doc["dependencies"]
            )
        return build_dir

    def _files(self, versions: list[dict[str, Any]]) -> list[build_checks.BuildFile]:
        return [build_checks.BuildFile(v["path"], v["visibility"], self.version_content(v)) for v in versions]

    def settle_build(self, doc: dict[str, Any]) -> dict[str, Any]:
        """A build shows `building` until --build-seconds have passed, then its checked outcome."""
        if doc["status"] != "building" or self.clock() < doc["_ready_at"]:
            return doc
        if "_outcome" not in doc:
            self.run_checks(doc["sid"])
            doc = self.builds.get(doc["sid"]) or doc
        return self.builds.update(doc["sid"], {"status": doc["_outcome"]})

    def delete_build(self, service_ref: str, sid: str) -> None:
        doc = self.build(service_ref, sid)
        in_use = [
            e["unique_name"]
            for e in self.environments.list(parent=doc["service_sid"])
            if e["build_sid"] == sid
        ]
        if in_use:
            raise Conflict(
                f"Build {sid} is the active deployment of environment {in_use[0]} (fix: deploy another build "
                "there, or delete the environment, before deleting the build)"
            )
        self.builds.delete(sid)

    # ---- deployments ---------------------------------------------------------------------------------------
    def create_deployment(
        self, service_ref: str, environment_sid: str, build_sid: str | None
    ) -> dict[str, Any]:
        environment = self.environment(service_ref, environment_sid)
        if build_sid:
            if not is_sid(build_sid, "ZB") or self.builds.get(build_sid, environment["service_sid"]) is None:
                raise InvalidParameter(
                    f"BuildSid {build_sid!r} is not a build of service {environment['service_sid']}"
                )
            status = self.settle_build(self.builds.get(build_sid))["status"]
            if status != "completed":
                raise InvalidParameter(
                    f"Build {build_sid} is {status}; only a completed build can be deployed "
                    "(fix: poll /Status until completed, or fix the build)"
                )
            if environment["build_sid"] == build_sid:
                # Twilio answers 409/20409 (twilio-run's promote explains that code this way).
                raise Conflict(
                    f"Build {build_sid} is already live on environment {environment['unique_name']} "
                    "(fix: deploy it to another environment, or deploy another build here)"
                )
        with self.store.transaction():
            self.environments.update(environment["sid"], {"build_sid": build_sid or None})
            return self.deployments.create(
                {
                    "account_sid": environment["account_sid"],
                    "service_sid": environment["service_sid"],
                    "environment_sid": environment["sid"],
                    "build_sid": build_sid or None,
                },
                parent=environment["sid"],
            )

    # ---- variables -----------------------------------------------------------------------------------------
    @staticmethod
    def _check_variable(key: str | None, value: str | None) -> None:
        if key is not None:
            _check_length("Key", key, VARIABLE_KEY_MAX)
        if value is not None and len(value.encode()) > VARIABLE_VALUE_MAX_BYTES:
            raise InvalidParameter(
                f"Value of {key or 'the variable'} is {len(value.encode())} bytes; the maximum is "
                f"{VARIABLE_VALUE_MAX_BYTES} bytes (fix: store large data elsewhere, e.g. an asset)"
            )

    def create_variable(self, service_ref: str, environment_sid: str, key: str, value: str) -> dict[str, Any]:
        environment = self.environment(service_ref, environment_sid)
        self._check_variable(key, value)
        with self.store.transaction():
            if self.variables.list(parent=environment["sid"], key=key):
                raise InvalidParameter(
                    f"Variable {key!r} already exists in environment {environment['sid']}; update it instead"
                )
            return self.variables.create(
                {
                    "account_sid": environment["account_sid"],
                    "service_sid": environment["service_sid"],
                    "environment_sid": environment["sid"],
                    "key": key,
                    "value": value,
                },
                parent=environment["sid"],
            )

    def list_deployments(self, service_ref: str, environment_sid: str) -> list[dict[str, Any]]:
        return self.deployments.list(parent=self.environment(service_ref, environment_sid)["sid"])

    def deployment(self, service_ref: str, environment_sid: str, sid: str) -> dict[str, Any]:
        environment = self.environment(service_ref, environment_sid)
        path = f"/Services/{environment['service_sid']}/Environments/{environment['sid']}/Deployments/{sid}"
        return self.deployments.fetch(sid, environment["sid"], path=path)

    def list_variables(self, service_ref: str, environment_sid: str) -> list[dict[str, Any]]:
        return self.variables.list(parent=self.environment(service_ref, environment_sid)["sid"])

    def delete_variable(self, service_ref: str, environment_sid: str, sid: str) -> None:
        self.variables.delete(self.variable(service_ref, environment_sid, sid)["sid"])

    def variable(self, service_ref: str, environment_sid: str, sid: str) -> dict[str, Any]:
        environment = self.environment(service_ref, environment_sid)
        return self.variables.fetch(
            sid,
            environment["sid"],
            path=f"/Services/{environment['service_sid']}/Environments/{environment['sid']}/Variables/{sid}",
        )

    def update_variable(
        self, service_ref: str, environment_sid: str, sid: str, key: str | None, value: str | None
    ) -> dict[str, Any]:
        doc = self.variable(service_ref, environment_sid, sid)
        self._check_variable(key if key is not None else doc["key"], value)
        changes = {name: v for name, v in (("key", key), ("value", value)) if v is not None}
        with self.store.transaction():
            if (
                key is not None
                and key != doc["key"]
                and self.variables.list(parent=doc["environment_sid"], key=key)
            ):
                raise InvalidParameter(
                    f"Variable {key!r} already exists in environment {doc['environment_sid']}"
                )
            return self.variables.update(sid, changes) if changes else doc

    # ---- what /_runtime serves -----------------------------------------------------------------------------
    def deployed(self, domain_name: str) -> tuple[dict, dict, dict] | None:
        """(service, environment, build) behind a domain, or None when nothing is deployed there."""
        environment = self.environment_by_domain(domain_name)
        if environment is None or not environment["build_sid"]:
            return None
        build = self.builds.get(environment["build_sid"])
        service = self.services.get(environment["service_sid"])
        if build is None or service is None:
            return None
        return service, environment, build
