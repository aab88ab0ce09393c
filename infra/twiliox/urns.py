"""Reading a Pulumi URN, `urn:pulumi:<stack>::<project>::<parent type>$<type>::<name>`: the one place the
provider takes one apart (for log lines, priorities, the import command a refusal names)."""

from __future__ import annotations


def parse_urn(urn: str) -> tuple[str, str, str]:
    """(stack, project, resource name) of a URN; parts it lacks are empty."""
    parts = urn.split("::")
    stack = parts[0].removeprefix("urn:pulumi:") if parts else ""
    project = parts[1] if len(parts) > 1 else ""
    return stack, project, parts[-1] if parts else ""


def resource_name(urn: str) -> str:
    """The resource's own name (the URN's last part)."""
    return urn.rsplit("::", 1)[-1]


def resource_type(urn: str) -> str:
    """The resource's type token without its parents' (`twiliox:taskrouter:Workflow`); "" for no URN."""
    if "::" not in urn:
        return ""
    return urn.rsplit("::", 2)[-2].rsplit("$", 1)[-1]
