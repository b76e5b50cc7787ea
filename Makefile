# The README's commands; each sets up what it needs first (docs/commands are in README.md and docs/).
SHELL := /bin/bash
export PIPENV_VENV_IN_PROJECT := 1
export PIPENV_VERBOSITY := -1
export TF_CLI_CONFIG_FILE := $(CURDIR)/.tools/terraformrc
export CHECKPOINT_DISABLE := 1
PY := .venv/bin/python
NODE_BIN = $(shell $(PY) -c 'from cdktf_fastpath.node_runtime import wheel_node_bin_dir; print(wheel_node_bin_dir())')
# `pipenv run` in cdktf.json finds the project's environment through this.
PIPENV_ENV = PYPI_INDEX_URL=unused
# The cdktf CLI from node_modules, run by the wheel's Node.
CDKTF = PATH="$(NODE_BIN):$(CURDIR)/node_modules/.bin:$$PATH" $(PIPENV_ENV) cdktf
# `terraform providers lock`, which the CLI runs before a deploy, asks the public registry even when providers
# come from a local mirror (.tools/terraformrc); with a mirror it is skipped (terraform init still writes the lock).
LOCK_FLAG = $(shell grep -qs filesystem_mirror .tools/terraformrc && echo --skip-provider-lock)

.PHONY: setup setup-test setup-scan setup-zizmor scan synth cdktf-synth example-website lint test unit-test schema key-table bench hcl handoff plan-summary drift diagram deploy destroy deploy-local destroy-local clean
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
	$(CDKTF) synth

# examples/website_with_bucket, another team's app in code, run with the project's environment (its docstring).
example-website: setup
	cd examples/website_with_bucket && PYTHONPATH=$(CURDIR) $(CURDIR)/$(PY) main.py

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

# Then the construct tests on the plain cdktf path (CDKTF_FASTPATH=0), and the default stack and every
# examples/*.toml synthesized both ways in one process each, compared byte for byte (marker fast_off_ci).
test: setup-test lint
	$(PY) -m pytest -m "not fast_off_ci"
	CDKTF_FASTPATH=0 $(PY) -m pytest tests/constructs tests/fast_path/test_fast_off_same_json.py

unit-test: setup
	$(PY) -m pytest -m "not integration"

# The settings file's JSON Schema (docs/settings.schema.json) and docs/settings.md's key table, regenerated from
# aurora_web/settings/schema.py (tests fail when either is stale).
schema: setup
	$(PY) -m aurora_web schema --write

# docs/changing-settings.md: every key changed in the default dev and prod stacks, the two syntheses compared with the
# provider's force-new attributes (aurora_web/tools/key_effects.py); a stale page fails tests/app/test_key_table.py.
key-table: setup
	$(PY) -m aurora_web key-table --write

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

# Real AWS (docs/deploy-aws.md): `cdktf deploy` / `cdktf destroy` of STACK with your shell's AWS credentials,
# asking before it changes anything (DEPLOY_FLAGS=--auto-approve to skip the question). Without credentials: one line.
deploy: synth
	$(PY) -m aurora_web.tools.aws_credentials "make deploy"
	$(CDKTF) deploy $(STACK) --skip-synth $(LOCK_FLAG) $(DEPLOY_FLAGS)

destroy: synth
	$(PY) -m aurora_web.tools.aws_credentials "make destroy"
	$(CDKTF) destroy $(STACK) --skip-synth $(LOCK_FLAG) $(DEPLOY_FLAGS)

# Deploy to / tear down from the moto AWS API emulator on this machine (docs/deploy-local.md).
deploy-local: setup
	scripts/deploy_local.sh

destroy-local:
	scripts/deploy_local.sh destroy

clean:
	rm -rf cdktf.out .cdktf.out.* .pytest_cache
