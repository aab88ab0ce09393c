"""A Flex account as flex-project-template leaves it, built in the sandbox through Twilio's own API before any
stack runs: one `custom-flex-extensions-serverless` service whose `dev` environment serves every template
feature's functions (the conversation-transfer paths the plugin calls among them), a variable naming a
hand-made "Chat Transfer" workflow, and Flex's `serverless_functions_domain` pointing at that environment.

Each function answers `{"feature": …, "workflow": <its TWILIO_FLEX_CHAT_TRANSFER_WORKFLOW_SID>}`, so a test
sees both that it still answers and which workflow it would use.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from flex_chat_transfer.infra.attach import PLUGIN_PATHS
from flex_chat_transfer.infra.rest import FLEX, SERVERLESS, SERVERLESS_UPLOAD, TASKROUTER, Rest
from flex_chat_transfer.sandbox.testing import SandboxProcess

SERVICE = "custom-flex-extensions-serverless"
ENVIRONMENT = "dev"
WORKFLOW_NAME = "Chat Transfer"
WORKFLOW_VARIABLE = "TWILIO_FLEX_CHAT_TRANSFER_WORKFLOW_SID"
# The template's other features, beside the conversation-transfer paths the plugin calls.
OTHER_FEATURES = {
    "/features/schedule-manager/flex/list-schedules": "schedule-manager",
    "/features/callback-and-voicemail/flex/create-callback": "callback-and-voicemail",
}
FEATURES = {**OTHER_FEATURES, **{path: "template " + path.rsplit("/", 1)[-1] for path in PLUGIN_PATHS}}
DEPENDENCIES = [
    {"name": "@twilio/runtime-handler", "version": "2.1.0"},
    {"name": "twilio", "version": "5.4.0"},
]


def source(feature: str) -> str:
    return (
        "exports.handler = function (context, event, callback) {\n"
        f"  callback(null, {{ feature: {json.dumps(feature)}, "
        "workflow: context.TWILIO_FLEX_CHAT_TRANSFER_WORKFLOW_SID || null });\n"
        "};\n"
    )


@dataclass
class TemplateAccount:
    sandbox: SandboxProcess
    rest: Rest
    service_sid: str = ""
    environment_sid: str = ""
    domain_name: str = ""
    build_sid: str = ""
    workflow_sid: str = ""
    workspace_sid: str = ""
    function_sids: dict[str, str] = field(default_factory=dict)

    def answer(self, path: str) -> dict[str, Any]:
        """What the function at `path` answers now, called the way the Flex plugin calls it."""
        domain = self.domain_name
        response = httpx.post(f"{self.sandbox.url}/_runtime/{domain}{path}", data={}, timeout=30)
        assert response.status_code == 200, (path, response.status_code, response.text)
        return response.json()

    def served_paths(self) -> set[str]:
        environment = self.rest.get(
            f"{SERVERLESS}/Services/{self.service_sid}/Environments/{self.environment_sid}"
        )
        build = self.rest.get(f"{SERVERLESS}/Services/{self.service_sid}/Builds/{environment['build_sid']}")
        return {v["path"] for v in build["function_versions"]}

    def builds(self) -> list[str]:
        return [
            b["sid"] for b in self.rest.list_all(f"{SERVERLESS}/Services/{self.service_sid}/Builds", "builds")
        ]

    def deployments(self) -> list[str]:
        url = f"{SERVERLESS}/Services/{self.service_sid}/Environments/{self.environment_sid}/Deployments"
        return [d["sid"] for d in self.rest.list_all(url, "deployments")]


def build_template_account(sandbox: SandboxProcess, rest: Rest, workspace_sid: str) -> TemplateAccount:
    account = TemplateAccount(sandbox, rest, workspace_sid=workspace_sid)
    service = rest.create(
        f"{SERVERLESS}/Services",
        {"UniqueName": SERVICE, "FriendlyName": SERVICE, "IncludeCredentials": "true"},
    )
    account.service_sid = service["sid"]
    base = f"{SERVERLESS}/Services/{service['sid']}"
    environment = rest.create(
        f"{base}/Environments", {"UniqueName": ENVIRONMENT, "DomainSuffix": ENVIRONMENT}
    )
    account.environment_sid, account.domain_name = environment["sid"], environment["domain_name"]
    versions = []
    for path, feature in FEATURES.items():
        function = rest.create(f"{base}/Functions", {"FriendlyName": path})
        account.function_sids[path] = function["sid"]
        version = rest.upload(
            f"{SERVERLESS_UPLOAD}/Services/{service['sid']}/Functions/{function['sid']}/Versions",
            {"Path": path, "Visibility": "public"},
            filename=path.lstrip("/") + ".js",
            content=source(feature).encode(),
            content_type="application/javascript",
        )
        versions.append(version["sid"])
    build = rest.create(
        f"{base}/Builds", {"FunctionVersions": versions, "Dependencies": json.dumps(DEPENDENCIES)}
    )
    sandbox.advance_clock(60)  # the build is due; the next request sees it completed
    status = rest.get(f"{base}/Builds/{build['sid']}/Status")["status"]
    assert status == "completed", status
    account.build_sid = build["sid"]
    rest.create(f"{base}/Environments/{environment['sid']}/Deployments", {"BuildSid": build["sid"]})
    workflow = rest.create(
        f"{TASKROUTER}/Workspaces/{workspace_sid}/Workflows",
        {
            "FriendlyName": WORKFLOW_NAME,
            "Configuration": json.dumps(
                {
                    "task_routing": {
                        "filters": [],
                        "default_filter": {"queue": first_queue(rest, workspace_sid)},
                    }
                }
            ),
        },
    )
    account.workflow_sid = workflow["sid"]
    rest.create(
        f"{base}/Environments/{environment['sid']}/Variables",
        {"Key": WORKFLOW_VARIABLE, "Value": workflow["sid"]},
    )
    configuration = rest.get(f"{FLEX}/Configuration")
    ui = dict(configuration.get("ui_attributes") or {})
    ui["custom_data"] = {
        **(ui.get("custom_data") or {}),
        "serverless_functions_domain": environment["domain_name"],
    }
    rest.call(
        "POST",
        f"{FLEX}/Configuration",
        json_body=True,
        data={"account_sid": configuration["account_sid"], "ui_attributes": ui},
    )
    return account


def first_queue(rest: Rest, workspace_sid: str) -> str:
    return rest.list_all(f"{TASKROUTER}/Workspaces/{workspace_sid}/TaskQueues", "task_queues")[0]["sid"]
