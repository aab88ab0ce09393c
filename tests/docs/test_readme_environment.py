"""README "Environment variables and secrets": every variable the Makefile, the set-up and run scripts and
`.ci/run` read, and every secret, variable and setting the GitHub Actions templates read, has a row in the
table."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MARKER = "<!-- environment-table -->"
SCRIPTS = [ROOT / "Makefile", ROOT / ".ci" / "run", *sorted((ROOT / "scripts").glob("*.sh"))]
# The shell's and the toolchains' own, not this project's settings.
STANDARD = {"PATH", "HOME", "TMPDIR", "CGO_ENABLED"}


def table_names() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    assert MARKER in readme, f"README.md lost its {MARKER} marker"
    rows = readme.split(MARKER, 1)[1].strip().split("\n\n", 1)[0].splitlines()
    assert len(rows) > 20 and all(row.startswith("|") for row in rows)
    return {name for row in rows[2:] for name in re.findall(r"`([^`]+)`", row.split(" | ", 1)[0])}


def script_variables() -> set[str]:
    names = set()
    for path in SCRIPTS:
        text = path.read_text()
        names |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]*):[-=?]", text))  # ${NAME:-default}
        names |= set(re.findall(r"^export ([A-Z][A-Z0-9_]*)", text, re.M))
        names |= set(re.findall(r"^([A-Z][A-Z0-9_]*) \?=", text, re.M))  # make's "unless set"
    return names - STANDARD


def template_secrets() -> set[str]:
    names = set()
    for path in (ROOT / ".github" / "workflows").glob("*.yml"):
        text = path.read_text()
        names |= set(re.findall(r"(?:secrets|vars)\.([A-Z][A-Z0-9_]*)", text))
        names |= {f"{name}_<STACK>" for name in re.findall(r"format\('([A-Z][A-Z0-9_]*)_\{0\}'", text)}
    return names


def test_every_variable_the_makefile_and_scripts_read_is_in_the_table():
    found = script_variables()
    assert {"SANDBOX_PORT", "PULUMI_BACKEND_URL", "PYTHON"} <= found  # the scan really reads the scripts
    assert found - table_names() == set()


def test_every_secret_the_templates_read_is_in_the_table():
    found = template_secrets()
    assert {"TWILIO_AUTH_TOKEN_<STACK>", "PULUMI_BACKEND_URL"} <= found
    assert found - table_names() == set()
    assert {"AWS_ROLE_ARN", "AZURE_STORAGE_ACCOUNT"} <= found  # the OIDC logins' variables are read too
    stacks = (ROOT / ".github" / "workflows" / "stacks.yml").read_text()
    lists = set(re.findall(r"^ {6}([A-Z][A-Z0-9_]*): ", stacks, re.M))
    assert lists == {"DEV_STACKS", "STAGE_STACKS", "PRODUCTION_STACKS", "PRODUCTION_MAX_PARALLEL"}
    assert lists <= table_names()


def test_the_table_names_what_the_issue_found_missing():
    names = table_names()
    assert {"SANDBOX_PORT", "/_sandbox/*", "chat-transfer:functions.buildTimeout"} <= names
    readme = (ROOT / "README.md").read_text()
    # The default the program really uses (wherever in infra/ or workflow/ it is defined), and what destroy
    # removes.
    defaults = {match for root in ("infra", "workflow") for path in (ROOT / root).rglob("*.py")
                for match in re.findall(r"^DEFAULT_BUILD_TIMEOUT\b.*= *(\d+)", path.read_text(), re.M)}
    assert len(defaults) == 1, defaults
    key = "| `chat-transfer:functions.buildTimeout`"
    row = next(line for line in readme.splitlines() if line.startswith(key))
    assert f"| `{defaults.pop()}` |" in row
    assert "### What `pulumi destroy` removes" in readme
