# Local stand-ins for AWS: install (into ./tools), start, stop. Included by the top-level Makefile.
# What each target installs and where: local/README.md. Pins: local/requirements.txt (Python),
# local/package.json + local/package-lock.json (Node.js). Runtime state and logs: ./.local.

LOCAL_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
LOCAL_ROOT := $(abspath $(LOCAL_DIR)/..)

# Variables other makefiles use.
TOOLS_DIR := $(LOCAL_ROOT)/tools
VENV_DIR := $(TOOLS_DIR)/venv
VENV_BIN := $(VENV_DIR)/bin
NODE_TOOLS_DIR := $(TOOLS_DIR)/node
LOCAL_STATE_DIR := $(LOCAL_ROOT)/.local
MOTO_ENDPOINT := http://127.0.0.1:4566
COGNITO_LOCAL_ENDPOINT := http://127.0.0.1:9229
LAMBDA_ENDPOINT := http://127.0.0.1:9001
WATCH_ENDPOINT := http://127.0.0.1:9000

# The interpreter the venv is made from, and npm.
LOCAL_PYTHON ?= python3
LOCAL_NPM ?= npm

# One stamp per tool; each is newer than its pin file once that pin file is installed.
VENV_PYTHON := $(VENV_BIN)/python
VENV_STAMP := $(VENV_DIR)/.requirements.stamp
LAMBDA_STAMP := $(VENV_DIR)/.cargo-lambda.stamp
NODE_STAMP := $(NODE_TOOLS_DIR)/.npm-ci.stamp
LOCAL_STACK := $(LOCAL_DIR)/stack.sh
LOCAL_STACK_ENV := TOOLS_DIR="$(TOOLS_DIR)" LOCAL_STATE_DIR="$(LOCAL_STATE_DIR)"

.PHONY: tools lambda-tools local-up local-down local-status local-smoke local-test

tools: $(VENV_STAMP) $(NODE_STAMP) ## Install moto, cargo-lambda, boto3 (tools/venv) and cognito-local, asl-validator (tools/node), pinned in local/

lambda-tools: $(LAMBDA_STAMP) ## Install only cargo-lambda (tools/venv/bin/cargo-lambda)

local-up: tools ## Start moto :4566, cargo lambda watch :9000, Lambda adapter :9001, cognito-local :9228 behind the auth front :9229 (builds the binaries first)
	@$(LOCAL_STACK_ENV) $(LOCAL_STACK) up

local-down: ## Stop the local stack (only the processes local-up started)
	@$(LOCAL_STACK_ENV) $(LOCAL_STACK) down

local-status: ## Show which local services are up, their pids and logs
	@$(LOCAL_STACK_ENV) $(LOCAL_STACK) status

local-test: ## Test local/stack.sh's process bookkeeping with dummy processes in a temp state dir (no ports, no tools)
	@bash $(LOCAL_DIR)/test_stack.sh

local-smoke: local-up ## Sign-up through cognito-local: pre-signup denies blocked.example, allows others
	@$(VENV_PYTHON) $(LOCAL_DIR)/smoke.py --endpoint $(COGNITO_LOCAL_ENDPOINT) --state-dir $(LOCAL_STATE_DIR)

$(VENV_PYTHON):
	@command -v $(LOCAL_PYTHON) >/dev/null || { echo "local.mk: $(LOCAL_PYTHON) not found (Python 3.9+ with venv is needed)" >&2; exit 1; }
	$(LOCAL_PYTHON) -m venv $(VENV_DIR)

# Everything in local/requirements.txt. Also satisfies the cargo-lambda stamp.
$(VENV_STAMP): $(LOCAL_DIR)/requirements.txt | $(VENV_PYTHON)
	$(VENV_BIN)/pip install --disable-pip-version-check --no-input -q -r $(LOCAL_DIR)/requirements.txt
	@touch $(LAMBDA_STAMP) $@

# cargo-lambda alone (and ziglang, which its wheel depends on), at the versions pinned there.
$(LAMBDA_STAMP): $(LOCAL_DIR)/requirements.txt | $(VENV_PYTHON)
	$(VENV_BIN)/pip install --disable-pip-version-check --no-input -q \
	  $$(grep -E '^(cargo-lambda|ziglang)==' $(LOCAL_DIR)/requirements.txt)
	@touch $@

$(NODE_STAMP): $(LOCAL_DIR)/package.json $(LOCAL_DIR)/package-lock.json
	@command -v $(LOCAL_NPM) >/dev/null || { echo "local.mk: $(LOCAL_NPM) not found (Node.js 18+ with npm is needed)" >&2; exit 1; }
	@mkdir -p $(NODE_TOOLS_DIR)
	cp $(LOCAL_DIR)/package.json $(LOCAL_DIR)/package-lock.json $(NODE_TOOLS_DIR)/
	$(LOCAL_NPM) ci --prefix $(NODE_TOOLS_DIR) --no-audit --no-fund
	@touch $@
