# CDK app (infra/): install, test, synth, build the Lambda code, deploy. Included by the
# top-level Makefile, which runs from the repository root. What each target installs: infra/README.md.

INFRA_DIR := $(CURDIR)/infra
INFRA_BIN := $(INFRA_DIR)/node_modules/.bin
INFRA_NPM_STAMP := $(INFRA_DIR)/node_modules/.npm-ci.stamp
INFRA_VENV := $(INFRA_DIR)/.venv
INFRA_LINT_STAMP := $(INFRA_VENV)/.requirements-lint.stamp
INFRA_LINT_OUT := $(INFRA_DIR)/cdk.out.lint
INFRA_PYTHON ?= python3
INFRA_NPM ?= npm

comma := ,
empty :=
space := $(empty) $(empty)

# Every trigger binary of the workspace: each triggers/<name>/ with a Cargo.toml builds binary
# <name> (the rule infra/lib/workspace.ts applies when the CDK app runs without -c triggers). A
# trigger that lands joins the default set by itself.
INFRA_ALL_TRIGGERS := $(subst $(space),$(comma),$(sort $(patsubst $(CURDIR)/triggers/%/Cargo.toml,%,$(wildcard $(CURDIR)/triggers/*/Cargo.toml))))
# The triggers synth/deploy put into the demo stack, and so the binaries infra-lambdas builds
# (comma-separated). Default: all of them; a subset: INFRA_TRIGGERS=pre-signup,post-confirmation.
INFRA_TRIGGERS ?= $(INFRA_ALL_TRIGGERS)
INFRA_TRIGGER_LIST = $(subst $(comma), ,$(INFRA_TRIGGERS))
# Where the arm64 builds are: <binary>/bootstrap.zip (what infra-lambdas writes) or <binary>/bootstrap.
LAMBDA_ASSETS ?= $(CURDIR)/target/lambda
# The verified SES identity (domain or address) the e-mail sending triggers use, and the reminder's
# sender (default no-reply@<identity>). Unset: synth uses the stand-in example.com (with a warning),
# deploy refuses signup-reminder.
INFRA_EMAIL_IDENTITY ?=
INFRA_REMINDER_EMAIL_FROM ?=
# More `cdk` arguments, e.g. CDK_ARGS='-c userPoolId=eu-west-1_AbC123 -c removal=destroy'.
CDK_ARGS ?=
# The stack is environment-agnostic: synth needs a Region name only, no credentials. With notices,
# telemetry and version reporting off (cdk.json) and the version check off, the CLI opens no connection.
INFRA_CDK_ENV := AWS_REGION=$${AWS_REGION:-us-east-1} CDK_DISABLE_VERSION_CHECK=true CDK_DISABLE_CLI_TELEMETRY=true
INFRA_CDK_CONTEXT = -c triggers=$(INFRA_TRIGGERS) -c lambdaAssets=$(LAMBDA_ASSETS) \
	$(if $(INFRA_EMAIL_IDENTITY),-c emailIdentity=$(INFRA_EMAIL_IDENTITY)) \
	$(if $(INFRA_REMINDER_EMAIL_FROM),-c reminderEmailFrom='$(INFRA_REMINDER_EMAIL_FROM)')
# cargo-lambda and ziglang come from the local stack's tools (local/local.mk: lambda-tools, VENV_BIN).
INFRA_CARGO_LAMBDA = PATH="$(VENV_BIN):$$PATH" cargo lambda

.PHONY: infra-deps infra-lint-deps infra-test synth infra-assets infra-lambdas infra-triggers infra-bootstrap deploy infra-deploy-check

infra-deps: $(INFRA_NPM_STAMP) ## CDK app: npm ci in infra/ (pinned by infra/package-lock.json; again only when it changes)

infra-lint-deps: $(INFRA_LINT_STAMP) ## CDK app: cfn-lint into infra/.venv (pinned by infra/requirements-lint.txt)

# The existing-pool custom resource's handler (Python) is tested in process against moto's Cognito,
# with the local stack's moto and boto3 (tools/venv, $(VENV_STAMP)); no server is started.
INFRA_ATTACH_DIR := $(INFRA_DIR)/custom-resources/attach-triggers

infra-test: infra-deps infra-lint-deps $(VENV_STAMP) ## CDK app: typecheck, assertion + cdk-nag tests, the custom resource against moto, cfn-lint on the synthesized templates (offline, no Rust build)
	cd $(INFRA_DIR) && $(INFRA_BIN)/tsc --noEmit -p .
	cd $(INFRA_DIR) && node --import tsx --test --test-reporter=spec test/*.test.ts
	cd $(INFRA_ATTACH_DIR) && PYTHONDONTWRITEBYTECODE=1 $(VENV_PYTHON) -m unittest -v test_index
	cd $(INFRA_DIR) && node --import tsx scripts/synth-lint-fixtures.ts $(INFRA_LINT_OUT)
	cd $(INFRA_DIR) && $(INFRA_VENV)/bin/cfn-lint -- $(INFRA_LINT_OUT)/*.template.json
	@echo "infra-test: cfn-lint clean on $$(ls $(INFRA_LINT_OUT)/*.template.json | wc -l) templates"

synth: infra-deps infra-assets ## CDK app: synthesize the demo stack (INFRA_TRIGGERS, default all) into infra/cdk.out, offline; builds missing binaries first
	cd $(INFRA_DIR) && $(INFRA_CDK_ENV) $(INFRA_BIN)/cdk synth --quiet $(INFRA_CDK_CONTEXT) $(CDK_ARGS)
	@echo "synth: wrote $$(ls $(INFRA_DIR)/cdk.out/*.template.json)"

# Builds only what is missing from LAMBDA_ASSETS (a present build is used as it is; make
# infra-lambdas or make deploy rebuild).
infra-assets: ## Build the INFRA_TRIGGERS binaries missing from LAMBDA_ASSETS (what synth needs)
	@missing=(); for b in $(INFRA_TRIGGER_LIST); do \
	  [ -e "$(LAMBDA_ASSETS)/$$b/bootstrap.zip" ] || [ -e "$(LAMBDA_ASSETS)/$$b/bootstrap" ] || missing+=("$$b"); \
	done; \
	if [ $${#missing[@]} -gt 0 ]; then \
	  echo "infra-assets: building $${missing[*]} (not in $(LAMBDA_ASSETS)); to use prebuilt ones instead: LAMBDA_ASSETS=/abs/dir holding <binary>/bootstrap.zip"; \
	  $(MAKE) --no-print-directory infra-lambdas INFRA_TRIGGERS="$$(IFS=,; echo "$${missing[*]}")"; \
	fi

# The Encryption SDK senders (ESDK_PACKAGES, top-level Makefile) in a build of their own, so that
# aws-esdk's feature choices stay out of every other binary (docs/build.md).
INFRA_ESDK_BINS = $(filter $(ESDK_PACKAGES),$(INFRA_TRIGGER_LIST))
INFRA_MAIN_BINS = $(filter-out $(ESDK_PACKAGES),$(INFRA_TRIGGER_LIST))

infra-lambdas: lambda-tools ## Build the INFRA_TRIGGERS binaries (default all) for Lambda: cargo lambda build --release --arm64 --output-format zip
	$(if $(INFRA_MAIN_BINS),$(INFRA_CARGO_LAMBDA) build --release --arm64 --output-format zip \
	  --lambda-dir $(LAMBDA_ASSETS) $(foreach b,$(INFRA_MAIN_BINS),--bin $(b)))
	$(if $(INFRA_ESDK_BINS),$(INFRA_CARGO_LAMBDA) build --release --arm64 --output-format zip \
	  --lambda-dir $(LAMBDA_ASSETS) $(foreach b,$(INFRA_ESDK_BINS),-p $(b)))

infra-triggers: ## Print every trigger binary of the workspace (the default INFRA_TRIGGERS)
	@echo "$(INFRA_ALL_TRIGGERS)"

infra-bootstrap: infra-deps ## CDK app: one-time `cdk bootstrap` of the account/Region in your AWS credentials
	cd $(INFRA_DIR) && $(INFRA_BIN)/cdk bootstrap $(CDK_ARGS)

# The triggers that always send e-mail (the reminder; the custom e-mail sender, which sends every
# code of the pool): refuse the stand-in sender before anything is built.
INFRA_EMAIL_SENDING := signup-reminder custom-email-sender
infra-deploy-check:
	@if [[ -z "$(INFRA_EMAIL_IDENTITY)" && "$(CDK_ARGS)" != *emailIdentity=* ]]; then \
	  for t in $(INFRA_EMAIL_SENDING); do \
	    if [[ ",$(INFRA_TRIGGERS)," == *,$$t,* ]]; then \
	      echo "deploy: $$t sends e-mail: set INFRA_EMAIL_IDENTITY=<verified SES identity>, or leave it out: INFRA_TRIGGERS=$$(echo ',$(INFRA_TRIGGERS),' | sed "s/,$$t,/,/; s/^,//; s/,\$$//")" >&2; \
	      exit 1; \
	    fi; \
	  done; \
	fi

deploy: infra-deploy-check infra-deps infra-lambdas ## CDK app: build the binaries and deploy the demo stack with your AWS credentials (docs/deploy.md)
	cd $(INFRA_DIR) && $(INFRA_BIN)/cdk deploy --require-approval broadening $(INFRA_CDK_CONTEXT) $(CDK_ARGS)

$(INFRA_NPM_STAMP): $(INFRA_DIR)/package.json $(INFRA_DIR)/package-lock.json
	@command -v node >/dev/null || { echo "infra.mk: node not found (Node.js 20.6+ is needed)" >&2; exit 1; }
	@node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=6)?0:1)' \
	  || { echo "infra.mk: Node.js 20.6+ is needed (node --import), found $$(node --version)" >&2; exit 1; }
	cd $(INFRA_DIR) && $(INFRA_NPM) ci --no-audit --no-fund
	@touch $@

$(INFRA_LINT_STAMP): $(INFRA_DIR)/requirements-lint.txt
	@test -x $(INFRA_VENV)/bin/pip || $(INFRA_PYTHON) -m venv $(INFRA_VENV)
	$(INFRA_VENV)/bin/pip install --disable-pip-version-check --no-input -q -r $(INFRA_DIR)/requirements-lint.txt
	@touch $@
