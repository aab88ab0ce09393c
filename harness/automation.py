"""A small programmatic runner for a stack of this project over `pulumi.automation`, on the real engine.

Used by the e2e tests, the benchmarks and the fault suite: a project directory (the repo root, or a scratch
copy of Pulumi.yaml whose `main` points back at infra/ so stack files and state stay out of the checkout), a
stack name, a file backend directory, a passphrase and extra environment (the sandbox's TWILIO_* variables).
The CLI is taken from `PulumiCommand(root=<dir with bin/pulumi>)`; nothing is downloaded.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from pulumi import automation as auto

from flex_chat_transfer.infra import sdk_compat

REPO_ROOT = Path(__file__).resolve().parents[1]
PROJECT = "chat-transfer"
# Where `make setup` puts the CLI (scripts/ensure-pulumi.sh links .tools/bin to the per-machine build).
CLI_ROOTS = (REPO_ROOT / ".tools",)


def find_cli_root() -> Path | None:
    """The directory holding bin/pulumi (PulumiCommand's `root`), or None for `pulumi` on PATH."""
    explicit = os.environ.get("CHAT_TRANSFER_PULUMI_ROOT")
    if explicit:
        return Path(explicit)
    return next((root for root in CLI_ROOTS if (root / "bin" / "pulumi").exists()), None)


def write_scratch_project(directory: Path, repo_root: Path = REPO_ROOT) -> Path:
    """A project dir outside the checkout whose Pulumi.yaml runs this repo's infra/ with this repo's venv."""
    directory.mkdir(parents=True, exist_ok=True)
    project = {
        "name": PROJECT,
        "description": "flex chat transfer (scratch project for automation runs)",
        "main": os.path.relpath(repo_root / "infra", directory) + "/",
        "runtime": {
            "name": "python",
            "options": {"toolchain": "pip", "virtualenv": str(repo_root / ".venv")},
        },
        "plugins": {"providers": [{"name": "twiliox", "path": str(repo_root / "infra" / "twiliox" / "bin")}]},
    }
    (directory / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
    return directory


class _LazyOutputs(Mapping):
    """An `up` result's outputs, read from the backend only when first looked at."""

    def __init__(self, stack: auto.Stack) -> None:
        self._stack = stack
        self._outputs: auto.OutputMap | None = None

    def _loaded(self) -> auto.OutputMap:
        if self._outputs is None:
            self._outputs = self._stack.outputs()
        return self._outputs

    def __getitem__(self, key: str) -> auto.OutputValue:
        return self._loaded()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())


class QuickUpStack(auto.Stack):
    """`up` without the three CLI runs the automation API makes after it (`stack output` twice and
    `stack history`, each a CLI start): the summary comes from the engine's own summary event, the outputs are
    read when first looked at. Only a succeeded update returns (a failed one raises), so `result` is
    "succeeded"; message, environment, config and version stay empty (`.info()` has them)."""

    def _in_up(self) -> bool:
        return getattr(self, "_answering_up", False)

    def outputs(self) -> auto.OutputMap:
        return {} if self._in_up() else super().outputs()

    def info(self, show_secrets: bool = True) -> auto.UpdateSummary | None:
        if self._in_up():
            return auto.UpdateSummary("update", datetime.now(), "", {}, {}, "succeeded")
        return super().info(show_secrets)

    def up(self, **kwargs: Any) -> auto.UpResult:
        events: dict[str, Any] = {}
        caller_on_event = kwargs.pop("on_event", None)

        def on_event(event: auto.EngineEvent) -> None:
            if event.summary_event is not None:
                events["summary"] = event.summary_event
            if caller_on_event is not None:
                caller_on_event(event)

        started = datetime.now()
        self._answering_up = True
        try:
            result = super().up(on_event=on_event, **kwargs)
        finally:
            self._answering_up = False
        # The event stream is drained by now (up stops its event server before returning).
        summary = events.get("summary")
        if summary is None:  # no summary event seen: ask the backend, as the automation API does
            result.summary = self.info()
        else:
            result.summary = auto.UpdateSummary(
                "update",
                started,
                "",
                {},
                {},
                "succeeded",
                end_time=datetime.now(),
                resource_changes=dict(summary.resource_changes or {}),
            )
        result.outputs = _LazyOutputs(self)
        return result


@dataclass
class StackRunner:
    project_dir: Path
    stack_name: str
    backend_dir: Path
    passphrase: str = "chat-transfer-test"
    env: Mapping[str, str] = field(default_factory=dict)
    cli_root: Path | None = None
    _stack: auto.Stack | None = field(default=None, init=False, repr=False)

    def environment(self) -> dict[str, str]:
        self.backend_dir.mkdir(parents=True, exist_ok=True)
        cli_root = self.cli_root or find_cli_root()
        path = os.environ.get("PATH", "")
        if cli_root:
            path = f"{cli_root / 'bin'}{os.pathsep}{path}"
        return {
            "PATH": path,
            "PULUMI_BACKEND_URL": f"file://{self.backend_dir.resolve()}",
            "PULUMI_CONFIG_PASSPHRASE": self.passphrase,
            "PULUMI_HOME": str((self.backend_dir / ".pulumi-home").resolve()),
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "true",
            # The engine's default is 4 steps per CPU (8 here); the twiliox provider bounds Twilio calls
            # itself (twilio:concurrency, default 10), so let the engine hand it that many.
            "PULUMI_PARALLEL": os.environ.get("PULUMI_PARALLEL", "32"),
            **self.env,
        }

    @property
    def stack(self) -> auto.Stack:
        if self._stack is None:
            cli_root = self.cli_root or find_cli_root()
            command = auto.PulumiCommand(root=str(cli_root) if cli_root else None, skip_version_check=True)
            options = auto.LocalWorkspaceOptions(
                work_dir=str(self.project_dir),
                env_vars=self.environment(),
                pulumi_command=command,
                secrets_provider="passphrase",
            )
            workspace = auto.LocalWorkspace(**vars(options))
            self._stack = QuickUpStack(self.stack_name, workspace, sdk_compat.stack_create_or_select())
        return self._stack

    def set_config(self, values: Mapping[str, Any], secret: tuple[str, ...] = ()) -> None:
        """Full keys (`chat-transfer:transferQueues`); objects and lists are stored as JSON."""
        self.stack.set_all_config(
            {
                key: auto.ConfigValue(
                    value if isinstance(value, str) else json.dumps(value), secret=key in secret
                )
                for key, value in values.items()
            }
        )

    def remove_config(self, key: str) -> None:
        self.stack.remove_config(key)

    def up(self, **kwargs: Any) -> auto.UpResult:
        return self.stack.up(color="never", **kwargs)

    def preview(self, **kwargs: Any) -> auto.PreviewResult:
        return self.stack.preview(color="never", **kwargs)

    def refresh(self, **kwargs: Any) -> auto.RefreshResult:
        return self.stack.refresh(color="never", **kwargs)

    def destroy(self, **kwargs: Any) -> auto.DestroyResult:
        return self.stack.destroy(color="never", **kwargs)

    def outputs(self) -> dict[str, Any]:
        """Stack outputs, secrets in clear: one `stack output --show-secrets` (the automation API's own
        outputs() runs the CLI twice, the second time only to tell which outputs are secret)."""
        return json.loads(self._cli("stack", "output", "--json", "--show-secrets"))

    def exported_state(self) -> str:
        """`pulumi stack export` as a backend stores it: secrets stay encrypted (the automation API's own
        export_stack adds --show-secrets)."""
        return self._cli("stack", "export")

    def _cli(self, *args: str) -> str:
        """stdout of one `pulumi <args>` on this stack."""
        cli_root = self.cli_root or find_cli_root()
        pulumi = str(cli_root / "bin" / "pulumi") if cli_root else "pulumi"
        done = subprocess.run(
            [pulumi, *args, "--stack", self.stack_name, "--non-interactive"],
            cwd=self.project_dir,
            env={**os.environ, **self.environment()},
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout

    def remove(self) -> None:
        self.stack.workspace.remove_stack(self.stack_name)
