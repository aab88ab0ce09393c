"""The program entry point the language host starts (`scripts/pulumi-bin/pulumi-language-python-exec`): a
program stopped by the engine, or an engine already gone, never prints a Python traceback."""

from __future__ import annotations

import importlib.machinery
import importlib.util
from pathlib import Path

import grpc
import pulumi
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "pulumi-bin" / "pulumi-language-python-exec"


@pytest.fixture(scope="module")
def entry():
    loader = importlib.machinery.SourceFileLoader("pulumi_language_python_exec", str(SCRIPT))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(module)
    return module


class _Refused(grpc.RpcError):
    pass


def _failed_registration() -> Exception:
    """As the SDK raises it: a plain Exception(details) while handling the monitor's RpcError."""
    try:
        try:
            raise _Refused()
        except grpc.RpcError:
            raise Exception("check failed")  # noqa: B904 - the SDK keeps the RpcError as the context
    except Exception as exc:  # noqa: BLE001
        return exc


def test_an_exception_from_a_failed_engine_call_is_recognised(entry):
    assert entry._from_engine_rpc(_failed_registration())
    assert not entry._from_engine_rpc(ValueError("a bug in the program"))


def test_a_report_with_the_engine_gone_is_one_line_on_stderr(entry, monkeypatch, capsys):
    def engine_gone(message: str) -> None:
        raise _Refused()

    monkeypatch.setattr(pulumi.log, "error", engine_gone)
    entry._report("the engine stopped the program: check failed")
    captured = capsys.readouterr()
    assert captured.err == "error: the engine stopped the program: check failed\n"
    assert "Traceback" not in captured.out + captured.err
