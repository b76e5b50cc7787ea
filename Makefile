# The two commands of the README: `make synth` and `make test`. Each sets everything up first.
SHELL := /bin/bash
export PIPENV_VENV_IN_PROJECT := 1
export PIPENV_VERBOSITY := -1
export TF_CLI_CONFIG_FILE := $(CURDIR)/.tools/terraformrc
export CHECKPOINT_DISABLE := 1
PY := .venv/bin/python
NODE_BIN = $(shell $(PY) -c 'from aurora_web.fast_import.node_runtime import wheel_node_bin_dir; print(wheel_node_bin_dir())')
# `pipenv run` in cdktf.json finds the project's environment through this.
PIPENV_ENV = PYPI_INDEX_URL=unused

.PHONY: setup setup-test setup-scan setup-zizmor scan synth cdktf-synth lint test unit-test schema bench hcl handoff plan-summary drift diagram deploy-local destroy-local clean
STACK ?= aurora-web

setup:
	scripts/setup.sh

setup-test:
	scripts/setup.sh --test

setup-scan:
	scripts/setup.sh --checkov

setup-zizmor:
	scripts/setup.sh --zizmor

synth: setup
	$(PY) -m aurora_web synth

# The same synthesis through the cdktf CLI (npm cdktf-cli 0.21.0), which runs cdktf.json's app command.
# The check first: the CLI echoes an app's error lines twice (live, then in its summary) and always exits 1.
cdktf-synth: setup
	$(PY) -m aurora_web synth --check
	PATH="$(NODE_BIN):$(CURDIR)/node_modules/.bin:$$PATH" $(PIPENV_ENV) cdktf synth

# The security scan: checkov once per synthesized stack, each with only its own accepted findings
# (aurora_web/tools/scan_exceptions.py); exits 1 on any other finding. CI's review job runs this.
scan: setup-scan synth
	$(PY) -m aurora_web scan

# ruff (lint and format) and mypy (strict; settings in pyproject.toml): zero findings, or the tests do not run.
# zizmor checks the GitHub workflows (template injection, permissions, credentials, pins), offline: no findings.
lint: setup setup-zizmor
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	.tools/zizmor/bin/zizmor --offline .github/workflows/

test: setup-test lint
	$(PY) -m pytest

unit-test: setup
	$(PY) -m pytest -m "not integration"

# The settings file's JSON Schema (docs/settings.schema.json) and the README's key table, regenerated from
# aurora_web/settings/schema.py (tests fail when either is stale).
schema: setup
	$(PY) -m aurora_web schema --write

# Synth speed and memory: ours against a naive cdktf app of the same resources (prints figures only).
bench: setup
	$(PY) -m aurora_web bench

# Ops handoff: each stack as HCL in a clean directory of its own, validated offline.
hcl: synth
	$(PY) -m aurora_web hcl

# A bundle per stack under handoff/<stack>/: JSON and HCL, provider lock files, a README for ops.
handoff: synth
	$(PY) -m aurora_web handoff

# terraform plan for one stack (STACK=name) and a short Markdown summary of it.
plan-summary: synth
	$(PY) -m aurora_web plan-summary cdktf.out/stacks/$(STACK) --out plan-summary.$(STACK).md

# Drift: what changed outside Terraform in every stack (or STACK=name), as drift-report.md; docs/drift.md.
# Exit 0 none, 3 drift, 1 a stack could not be checked, 2 cannot run (no stack, no credentials).
drift: synth
	$(PY) -m aurora_web drift $(if $(filter command line environment,$(origin STACK)),--stack $(STACK)) --out drift-report.md

# docs/architecture.png from the synthesized stack (needs Graphviz's dot).
diagram: synth
	$(PY) -m aurora_web diagram --stack $(STACK) --out docs/architecture

# Deploy to / tear down from the moto AWS API emulator on this machine (docs/deploy-local.md).
deploy-local: setup
	scripts/deploy_local.sh

destroy-local:
	scripts/deploy_local.sh destroy

clean:
	rm -rf cdktf.out .cdktf.out.* .pytest_cache
