# flex-chat-transfer: every target sets up what it needs (idempotently) and runs the real Pulumi engine
# offline: local file backend, passphrase secrets, no update checks, no plugin downloads.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Must agree with the `pulumi` Python SDK pin in pyproject.toml (same 3.27x line).
PULUMI_VERSION := 3.274.1
# Passphrase of the sandbox-only `local` stack (Pulumi.local.yaml). Not a secret: it protects only the
# sandbox's throw-away credentials. Real stacks use their own passphrase or a cloud secrets provider; it is
# set, not defaulted, for the targets below, so a real stack's PULUMI_CONFIG_PASSPHRASE exported in the same
# shell (README "Real account") cannot break the local stack.
LOCAL_STACK_PASSPHRASE := chat-transfer-local-sandbox

export PULUMI_VERSION
export PATH := $(CURDIR)/.tools/bin:$(PATH)
export PULUMI_HOME := $(CURDIR)/.tools/pulumi-home
export PULUMI_BACKEND_URL ?= file://$(CURDIR)/.state
export PULUMI_SKIP_UPDATE_CHECK := true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION := true
export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK := true

.PHONY: help setup venv npm pulumi actionlint test local-up local-down bench lint

help:
	@echo "make local-up    sandbox (port SANDBOX_PORT, default 4010) + pulumi up of the local stack"
	@echo "make local-down  destroy the local stack, stop the sandbox"
	@echo "make test        every suite (Python and Node), including the real engine"
	@echo "make lint        ruff check, mypy --strict of workflow/, node --check of functions/"
	@echo "make bench       benchmarks (python -m bench)"
	@echo "make setup       only the set-up: .venv, npm ci, Pulumi CLI"
	@echo "make pulumi      only the Pulumi CLI (.tools/bin)"
	@echo "make actionlint  only actionlint (.tools/actionlint), the CI templates' linter make test runs"

setup: venv npm pulumi

venv:
	@scripts/ensure-venv.sh

npm:
	@scripts/ensure-npm.sh

pulumi:
	@scripts/ensure-pulumi.sh

# The workflow linter tests/ci runs over .github/workflows (built once per machine, like the Pulumi CLI).
actionlint:
	@scripts/ensure-actionlint.sh

test: export PULUMI_CONFIG_PASSPHRASE = $(LOCAL_STACK_PASSPHRASE)
test: setup actionlint
	@scripts/run-tests.sh

local-up: export PULUMI_CONFIG_PASSPHRASE = $(LOCAL_STACK_PASSPHRASE)
local-up: setup
	@mkdir -p .state
	@scripts/local-up.sh

local-down: export PULUMI_CONFIG_PASSPHRASE = $(LOCAL_STACK_PASSPHRASE)
local-down: setup
	@mkdir -p .state
	@scripts/local-down.sh

bench: setup
	.venv/bin/python -m bench

lint: venv
	.venv/bin/ruff check .
	@# mypy finds modules by path: a link gives workflow/ its import name, flex_chat_transfer.workflow.
	@mkdir -p .tools/mypy-path/flex_chat_transfer && ln -sfn ../../../workflow .tools/mypy-path/flex_chat_transfer/workflow
	.venv/bin/mypy --strict
	@find functions -name '*.js' -not -path '*/node_modules/*' -print0 | xargs -0 -r -n1 node --check
	@echo "lint ok"
