"""Pulumi.example.yaml, the file users copy per stack: nothing in it overrides their environment. No
credential key (a placeholder there won over TWILIO_* and Twilio refused it), no functions environment (a
`prod` stack copied from it must deploy into `prod`), and it stays a valid stack file for any stack name.
That the TWILIO_* variables are then the credentials used, tests/docs/test_readme_real_account.py shows by
deploying a copy of it with them."""

import shutil
from pathlib import Path

import yaml

from workflow.loader import load_stack_file

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "Pulumi.example.yaml"


def example_config() -> dict:
    return yaml.safe_load(EXAMPLE.read_text())["config"]


def test_no_credential_is_set_only_described_in_comments():
    config = example_config()
    assert not [key for key in config if key.startswith("twilio:")]
    text = EXAMPLE.read_text()
    for key in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "twilio:accountSid", "twilio:authToken"):
        assert key in text  # still explained, as comments


def test_a_stack_copied_from_the_example_deploys_into_its_own_environment(tmp_path: Path):
    assert "environment" not in example_config().get("chat-transfer:functions", {})
    for stack in ("dev", "stage", "prod"):
        copy = tmp_path / f"Pulumi.{stack}.yaml"
        shutil.copy2(EXAMPLE, copy)
        assert load_stack_file(copy, stack).functions.environment == stack
