"""`ChatTransfer`: the workflow, the Functions service and its environment, variables and the Flex flags
of one stack. Wiring is by outputs in one `pulumi up`: the Workflow's SID flows straight into the functions'
`TWILIO_FLEX_CHAT_TRANSFER_WORKFLOW_SID` (no look-up by name, no second pass).

The Twilio resources are top-level resources of the stack (not children of the component), all on the one
explicit `twiliox` provider: that is what `pulumi import <type> <name> <id> --provider twilio=<urn>` produces,
so an imported object is the very resource the program declares. Each carries an alias to the URN it had under
the old dynamic provider (a child of the component), so older stacks upgrade in place."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

import pulumi

from flex_chat_transfer.infra.attach import PLUGIN_PATHS, Attached
from flex_chat_transfer.infra.claims import CLAIMS_PATH
from flex_chat_transfer.infra.functions_source import FunctionsProject
from flex_chat_transfer.infra.ownership_policy import LEGACY_PATH
from flex_chat_transfer.infra.plugin_preflight import PreparedPlugin
from flex_chat_transfer.infra.registration import (
    flex_flags_resource_name,
    plugin_service_resource_name,
    queue_resource_name,
    service_resource_name,
    workflow_resource_name,
)
from flex_chat_transfer.infra.twiliox.plugin_bundle import bundle_path
from flex_chat_transfer.infra.twiliox.resources import (
    Build,
    ConfigurationKeys,
    Deployment,
    Environment,
    Function,
    Plugin,
    PluginBundle,
    PluginConfiguration,
    PluginRelease,
    PluginVersion,
    Service,
    TaskQueue,
    Variable,
    Workflow,
    alias_from_dynamic,
)
from flex_chat_transfer.workflow.render import fill_placeholders, render
from flex_chat_transfer.workflow.spec import DEFAULT_FLEX_DOMAIN_KEY, AttributeNames, ChatTransferSpec

COMPONENT_TYPE = "chat-transfer:index:ChatTransfer"
# Where the Flex plugin's API helper reads its functions' domain from (the key itself is configurable).
FLEX_DOMAIN_PATH = "ui_attributes.custom_data"
WORKSPACE_VARIABLE = "TWILIO_FLEX_WORKSPACE_SID"
WORKFLOW_VARIABLE = "TWILIO_FLEX_CHAT_TRANSFER_WORKFLOW_SID"
# The task attribute names the workflow reads, for the invite to write (functions/README.md "Task attribute
# names"); always set, defaults included, so the functions never fall back to names the workflow does not use.
ATTRIBUTE_VARIABLES = {
    "targetType": "TRANSFER_ATTRIBUTE_TARGET_TYPE",
    "targetSid": "TRANSFER_ATTRIBUTE_TARGET_SID",
    "queueName": "TRANSFER_ATTRIBUTE_QUEUE_NAME",
    "workersInConversation": "TRANSFER_ATTRIBUTE_WORKERS_IN_CONVERSATION",
}
MAX_CONTEXT_BYTES = 3 * 1024
# What Twilio adds to every function's context besides our variables (ACCOUNT_SID, AUTH_TOKEN, DOMAIN_NAME,
# PATH, SERVICE_SID, ENVIRONMENT_SID), generously sized.
CONTEXT_OVERHEAD_BYTES = 34 + 32 + 80 + 255 + 34 + 34 + 120


def domain_suffix(environment: str) -> str | None:
    suffix = re.sub(r"[^a-z0-9-]", "-", environment.lower()).strip("-")[:16].strip("-")
    return suffix or None


def attribute_variables(names: AttributeNames) -> dict[str, str]:
    return {ATTRIBUTE_VARIABLES[key]: name for key, name in names.by_key().items()}


def context_problem(variables: Mapping[str, str]) -> str | None:
    size = len(json.dumps(dict(variables)).encode()) + CONTEXT_OVERHEAD_BYTES
    if size > MAX_CONTEXT_BYTES:
        return (
            f"functions context: about {size} bytes with the variables, Twilio allows {MAX_CONTEXT_BYTES} "
            "(fix: fewer or shorter variables)"
        )
    return None


def plugin_service_name(functions_service_name: str) -> str:
    """The stack's own small service for its plugin bundles (in greenfield and attach mode alike): named after
    the stack's service name."""
    return f"{functions_service_name[:43].rstrip('-')}-plugin"


class ChatTransfer(pulumi.ComponentResource):
    """The feature in one account. With `attached` (functions.attachTo) the functions are someone else's: the
    stack sets only its variables in that environment (each recorded as found and put back by destroy) and
    makes no service, environment, function, build or deployment for them. With `plugin`
    (chat-transfer:plugin), in either mode, the plugin's bundle gets a small service of the stack's own
    (`_release_plugin`)."""

    def __init__(
        self,
        name: str,
        spec: ChatTransferSpec,
        workspace_sid: str,
        queue_sids: Mapping[str, str],
        functions: FunctionsProject | None,
        build_timeout: float,
        extra_variables: Mapping[str, tuple[str, bool]] | None = None,
        opts: pulumi.ResourceOptions | None = None,
        provider: pulumi.ProviderResource | None = None,
        flex_take_over: bool = False,
        flex_domain_key: str | None = DEFAULT_FLEX_DOMAIN_KEY,
        attached: Attached | None = None,
        plugin: PreparedPlugin | None = None,
    ) -> None:
        super().__init__(COMPONENT_TYPE, name, None, opts)
        stack, project = pulumi.get_stack(), pulumi.get_project()

        def child(resource_name: str, **extra) -> pulumi.ResourceOptions:
            return pulumi.ResourceOptions(
                provider=provider,
                aliases=[alias_from_dynamic(stack, project, COMPONENT_TYPE, resource_name)],
                **extra,
            )

        # The service first: the engine checks resources one at a time in registration order, and the
        # service is on the way to everything else (functions, build, deployment); the workflow is not.
        settings = spec.functions
        self.service: Service | None = None
        self.environment: Environment | None = None
        if attached is None:
            service_name = service_resource_name(name)
            self.service = Service(
                service_name,
                unique_name=settings.service_name,
                friendly_name=settings.service_name,
                opts=child(service_name),
            )
        # Declared queues (targetWorkers given) are the stack's own; the others were looked up (queue_sids).
        self.queues = {
            queue.name: TaskQueue(
                queue_resource_name(name, queue.name),
                workspace_sid=workspace_sid,
                friendly_name=queue.name,
                target_workers=queue.target_workers or "",
                max_reserved_workers=queue.max_reserved_workers,
                task_order=queue.task_order,
                opts=pulumi.ResourceOptions(
                    provider=provider,
                    aliases=(
                        [pulumi.Alias(name=queue_resource_name(name, queue.renamed_from))]
                        if queue.renamed_from
                        else None
                    ),
                ),
            )
            for queue in spec.declared_queues()
        }
        declared_sids = {queue_name: queue.id for queue_name, queue in self.queues.items()}
        workflow_name = workflow_resource_name(name)
        self.workflow = Workflow(
            workflow_name,
            workspace_sid=workspace_sid,
            friendly_name=spec.workflow_name,
            # Declared queues' SIDs go in as outputs: no look-up; a rename keeps filter and SID together.
            configuration=fill_placeholders(render(spec, queue_sids, pending=declared_sids), declared_sids),
            task_reservation_timeout=spec.task_reservation_timeout,
            opts=child(workflow_name),
        )
        service_sid: pulumi.Input[str]
        environment_sid: pulumi.Input[str]
        self.functions: dict[str, Function] = {}
        if self.service is not None:
            if functions is not None:
                self.functions = self._functions(name, functions, child)
            environment_name = settings.environment or pulumi.get_stack()
            # After the functions: destroy goes in reverse, so the environment (and the build it serves)
            # is gone before Twilio is asked to delete a function (it refuses one an active build holds).
            self.environment = Environment(
                f"{name}-environment",
                service_sid=self.service.id,
                unique_name=environment_name,
                domain_suffix=domain_suffix(environment_name),
                opts=child(f"{name}-environment", depends_on=list(self.functions.values())),
            )
            service_sid, environment_sid = self.service.id, self.environment.id
            self.domain_name: pulumi.Output[str] = self.environment.domain_name
            # An imported environment is someone else's: a variable already there is set and given back.
            not_ours: pulumi.Input[bool | None] = self.environment.found.apply(
                lambda found: True if found is not None else None
            )
        else:
            assert attached is not None
            service_sid, environment_sid = attached.service_sid, attached.environment_sid
            self.domain_name = pulumi.Output.from_input(attached.domain_name)
            not_ours = True

        variables: dict[str, tuple[pulumi.Input[str], bool]] = {
            WORKSPACE_VARIABLE: (workspace_sid, False),
            WORKFLOW_VARIABLE: (self.workflow.id, False),
            **{key: (value, False) for key, value in attribute_variables(spec.attributes).items()},
            **(extra_variables or {}),
        }
        self.variables = {
            key: Variable(
                f"{name}-var-{key}",
                service_sid=service_sid,
                environment_sid=environment_sid,
                key=key,
                value=value,
                secret=secret,
                attached=not_ours,
                opts=child(f"{name}-var-{key}"),
            )
            for key, (value, secret) in variables.items()
        }
        pulumi.Output.all(**{k: v for k, (v, _) in variables.items()}).apply(self._check_context)

        self.build: Build | None = None
        self.deployment: Deployment | None = None
        if self.service is not None and self.environment is not None and functions is not None:
            self._build_and_deploy(name, functions, settings.runtime, build_timeout, child)
            paths = [f.path for f in functions.files if f.visibility != "private"]
        else:
            paths = list(PLUGIN_PATHS)
        if plugin is not None:
            self._release_plugin(name, plugin, settings, provider, f"{project}/{stack}")

        flags_name = flex_flags_resource_name(name)
        self.flags = ConfigurationKeys(
            flags_name,
            path=LEGACY_PATH,
            values={
                "enabled": spec.features.enabled,
                "cold_transfer": spec.features.cold_transfer,
                "multi_participant": spec.features.multi_participant,
            },
            take_over=flex_take_over,
            opts=child(flags_name),
        )
        # The plugin finds the functions at https://<custom_data.<key>>/…, so the deployed environment's
        # domain goes there in this same `pulumi up`. Protocol and port are not set: the plugin defaults to
        # https with no port, which is what Twilio Functions (and the sandbox's rewrite of them) serve.
        # None: the key holds another stack's (or someone's) domain and this stack may not take it over, or
        # (attached) it already names the attached environment; the key is left as it is.
        self.flex_domain = None
        if flex_domain_key is not None:
            self.flex_domain = ConfigurationKeys(
                f"{name}-flex-domain",
                path=FLEX_DOMAIN_PATH,
                values={flex_domain_key: self.domain_name},
                take_over=flex_take_over,
                opts=pulumi.ResourceOptions(provider=provider),
            )
        # What this stack manages, recorded account-wide (infra/claims.py): another stack refuses to import
        # it or attach to it. An attached service is shared by several environments' stacks: only the
        # environment is claimed.
        owner = f"{project}/{stack}"
        claimed = [self.workflow.id, *(queue.id for queue in self.queues.values()), environment_sid]
        if self.service is not None:
            claimed.append(self.service.id)
        self.claims = ConfigurationKeys(
            f"{name}-claims",
            path=CLAIMS_PATH,
            values=pulumi.Output.all(*claimed).apply(lambda sids: {sid: owner for sid in sids}),
            take_over=flex_take_over,
            opts=pulumi.ResourceOptions(provider=provider),
        )

        self.service_sid = pulumi.Output.from_input(service_sid)
        self.environment_sid = pulumi.Output.from_input(environment_sid)
        self.function_urls = self.domain_name.apply(
            lambda domain: {path: f"https://{domain}{path}" for path in paths}
        )
        self.register_outputs(
            {
                "workflowSid": self.workflow.id,
                "serviceSid": self.service_sid,
                "environmentSid": self.environment_sid,
                "domainName": self.domain_name,
                "functionUrls": self.function_urls,
            }
        )

    def _shared(self) -> pulumi.Output[bool]:
        """True when the service was imported: it serves functions this stack does not manage."""
        assert self.service is not None
        return self.service.found.apply(lambda found: found is not None)

    def _functions(self, name: str, functions: FunctionsProject, child) -> dict[str, Function]:
        """In a service the stack imported, a function at one of our paths is refused (it is theirs)."""
        assert self.service is not None
        shared = self._shared()
        return {
            file.path: Function(
                f"{name}-fn{file.path}",
                service_sid=self.service.id,
                path=file.path,
                visibility=file.visibility,
                content=file.content,
                shared_service=shared.apply(lambda yes: True if yes else None),
                opts=child(f"{name}-fn{file.path}"),
            )
            for file in functions.files
        }

    def _release_plugin(self, name: str, plugin: PreparedPlugin, settings, provider, owner: str) -> None:
        """The plugin's bundle in a small service of the stack's own (`plugin_service_name`, environment
        `plugins`, its own build and deployment), in greenfield and attach mode alike, then the plugin, its
        version and its release beside the account's other plugins.

        Never in the functions' service: destroy deletes the functions, but every Flex release ever made names
        its version's URL and releases are immutable, so a rollback to one must still load it. The plugin
        service (`hosts_plugin`) is kept by destroy while a version of the plugin names its domain (its
        environment, builds, deployment and assets go with it: `deleted_with`), and a changed bundle builds
        only this small service, never the functions."""
        on = pulumi.ResourceOptions(provider=provider)
        service = Service(
            plugin_service_resource_name(name),
            unique_name=plugin_service_name(settings.service_name),
            friendly_name=f"Flex plugin {plugin.name} ({owner})",
            include_credentials=False,
            hosts_plugin=plugin.name,
            opts=on,
        )
        # Deleted with the service, or kept with it: never on their own while it may still serve a release.
        with_service = pulumi.ResourceOptions(provider=provider, deleted_with=service)
        environment = Environment(
            f"{name}-plugin-environment",
            service_sid=service.id,
            unique_name="plugins",
            domain_suffix=None,
            opts=with_service,
        )
        self.plugin_bundle = PluginBundle(
            f"{name}-plugin-bundle",
            service_sid=service.id,
            path=bundle_path(plugin.name, plugin.version),
            content_hash=plugin.content_hash,
            source=plugin.bundle_path,
            map_source=plugin.map_path,
            opts=with_service,
        )
        build = Build(
            f"{name}-plugin-build",
            service_sid=service.id,
            function_versions=[],
            asset_versions=self.plugin_bundle.served_versions,
            dependencies={},
            runtime=settings.runtime,
            opts=with_service,
        )
        deployment = Deployment(
            f"{name}-plugin-deployment",
            service_sid=service.id,
            environment_sid=environment.id,
            build_sid=build.id,
            opts=with_service,
        )
        domain: pulumi.Output[str] = environment.domain_name
        path = bundle_path(plugin.name, plugin.version)
        self.plugin = Plugin(f"{name}-plugin", unique_name=plugin.name, opts=on)
        # Released only once the URL serves the bundle: Flex loads it on every agent's next page load.
        self.plugin_version = PluginVersion(
            f"{name}-plugin-version",
            plugin_sid=self.plugin.id,
            version=plugin.version,
            plugin_url=domain.apply(lambda domain_name: f"https://{domain_name}{path}"),
            changelog=plugin.changelog,
            opts=pulumi.ResourceOptions(provider=provider, depends_on=[deployment]),
        )
        # The active release's plugins with ours at this version, made when the version is; then released.
        self.plugin_configuration = PluginConfiguration(
            f"{name}-plugin-configuration",
            plugin_sid=self.plugin.id,
            plugin_version_sid=self.plugin_version.id,
            label=f"{owner}: {plugin.name}@{plugin.version}",
            opts=pulumi.ResourceOptions(provider=provider, depends_on=[deployment]),
        )
        self.plugin_release = PluginRelease(
            f"{name}-plugin-release",
            plugin_sid=self.plugin.id,
            configuration_sid=self.plugin_configuration.id,
            opts=pulumi.ResourceOptions(provider=provider),
        )

    def _build_and_deploy(self, name, functions: FunctionsProject, runtime, build_timeout, child) -> None:
        """The build and its deployment. In a shared service each build also carries what the environment
        serves besides our functions, so theirs keep answering."""
        assert self.service is not None and self.environment is not None
        shared = self._shared()
        self.build = Build(
            f"{name}-build",
            service_sid=self.service.id,
            function_versions=pulumi.Output.all(*[f.version_sid for f in self.functions.values()]),
            dependencies=functions.dependencies,
            runtime=runtime,
            build_timeout=build_timeout,
            shared_environment_sid=pulumi.Output.all(shared, self.environment.id).apply(
                lambda pair: pair[1] if pair[0] else None
            ),
            function_paths=shared.apply(lambda yes: sorted(f.path for f in functions.files) if yes else None),
            opts=child(f"{name}-build"),
        )
        # Variables first, so the first build an environment serves already has them.
        self.deployment = Deployment(
            f"{name}-deployment",
            service_sid=self.service.id,
            environment_sid=self.environment.id,
            build_sid=self.build.id,
            opts=child(f"{name}-deployment", depends_on=list(self.variables.values())),
        )

    @staticmethod
    def _check_context(values: dict) -> None:
        if problem := context_problem(values):
            raise ValueError(problem)
