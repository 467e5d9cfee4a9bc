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

# The triggers the demo stack deploys, and so the binaries `infra-lambdas` builds (comma-separated).
INFRA_TRIGGERS ?= pre-signup
# Where the arm64 builds are: <binary>/bootstrap.zip (what infra-lambdas writes) or <binary>/bootstrap.
LAMBDA_ASSETS ?= $(CURDIR)/target/lambda
# More `cdk` arguments, e.g. CDK_ARGS='-c userPoolId=eu-west-1_AbC123 -c removal=destroy'.
CDK_ARGS ?=
# The stack is environment-agnostic: synth needs a Region name only, no credentials. With notices,
# telemetry and version reporting off (cdk.json) and the version check off, the CLI opens no connection.
INFRA_CDK_ENV := AWS_REGION=$${AWS_REGION:-us-east-1} CDK_DISABLE_VERSION_CHECK=true CDK_DISABLE_CLI_TELEMETRY=true
INFRA_CDK_CONTEXT = -c triggers=$(INFRA_TRIGGERS) -c lambdaAssets=$(LAMBDA_ASSETS)
# cargo-lambda and ziglang come from the local stack's tools (local/local.mk: lambda-tools, VENV_BIN).
INFRA_CARGO_LAMBDA = PATH="$(VENV_BIN):$$PATH" cargo lambda

comma := ,

.PHONY: infra-deps infra-lint-deps infra-test synth infra-lambdas infra-bootstrap deploy

infra-deps: $(INFRA_NPM_STAMP) ## CDK app: npm ci in infra/ (pinned by infra/package-lock.json; again only when it changes)

infra-lint-deps: $(INFRA_LINT_STAMP) ## CDK app: cfn-lint into infra/.venv (pinned by infra/requirements-lint.txt)

infra-test: infra-deps infra-lint-deps ## CDK app: typecheck, assertion + cdk-nag tests, cfn-lint on the synthesized templates (offline, no Rust build)
	cd $(INFRA_DIR) && $(INFRA_BIN)/tsc --noEmit -p .
	cd $(INFRA_DIR) && node --import tsx --test --test-reporter=spec test/*.test.ts
	cd $(INFRA_DIR) && node --import tsx scripts/synth-lint-fixtures.ts $(INFRA_LINT_OUT)
	cd $(INFRA_DIR) && $(INFRA_VENV)/bin/cfn-lint -- $(INFRA_LINT_OUT)/*.template.json
	@echo "infra-test: cfn-lint clean on $$(ls $(INFRA_LINT_OUT)/*.template.json | wc -l) templates"

synth: infra-deps ## CDK app: synthesize the demo stack into infra/cdk.out, offline (needs the builds: make infra-lambdas)
	cd $(INFRA_DIR) && $(INFRA_CDK_ENV) $(INFRA_BIN)/cdk synth --quiet $(INFRA_CDK_CONTEXT) $(CDK_ARGS)
	@echo "synth: wrote $$(ls $(INFRA_DIR)/cdk.out/*.template.json)"

infra-lambdas: lambda-tools ## Build the INFRA_TRIGGERS binaries for Lambda: cargo lambda build --release --arm64 --output-format zip
	$(INFRA_CARGO_LAMBDA) build --release --arm64 --output-format zip \
	  --lambda-dir $(LAMBDA_ASSETS) $(foreach b,$(subst $(comma), ,$(INFRA_TRIGGERS)),--bin $(b))

infra-bootstrap: infra-deps ## CDK app: one-time `cdk bootstrap` of the account/Region in your AWS credentials
	cd $(INFRA_DIR) && $(INFRA_BIN)/cdk bootstrap $(CDK_ARGS)

deploy: infra-deps infra-lambdas ## CDK app: build the binaries and deploy the demo stack with your AWS credentials (docs/deploy.md)
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
