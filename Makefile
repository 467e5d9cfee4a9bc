# cognito-triggers: every command a developer, CI or a platform team runs.
# `make demo` and `make test` work on a fresh clone: they install what they need into ./tools
# (git-ignored) and start/stop the local stand-ins themselves.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Local stand-ins (moto, cognito-local, cargo-lambda): install, start, stop.
include local/local.mk
# The sign-up reminder state machine: asl-validate.
include triggers/signup-reminder/reminder.mk
# Message templates: check-templates.
include crates/message-catalogue/templates.mk
# CDK app: synth and its offline tests.
include infra/infra.mk

# What the Rust tests need to reach the local stack: moto for the adapters' integration tests,
# cognito-local for the end-to-end tests. Dummy credentials: nothing here talks to AWS.
TEST_ENV := AWS_ENDPOINT_URL=$(MOTO_ENDPOINT) AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
	AWS_REGION=us-east-1 TABLE_NAME=cognito-triggers-local \
	COGNITO_LOCAL_ENDPOINT=$(COGNITO_LOCAL_ENDPOINT) LOCAL_STATE_DIR=$(LOCAL_STATE_DIR)

# The packages that link the AWS Encryption SDK (the custom senders and their decryptor). They are
# not default members (see Cargo.toml): every cargo command below builds the default members in one
# invocation and these, when present, in a second one, so that aws-esdk's feature choices never
# reach another binary. ESDK_CARGO_ARGS is empty until one of them exists.
ESDK_PACKAGES := esdk-decryptor delivery-providers custom-email-sender custom-sms-sender
ESDK_PRESENT := $(foreach p,$(ESDK_PACKAGES),$(if $(wildcard crates/$(p)/Cargo.toml triggers/$(p)/Cargo.toml),$(p)))
ESDK_CARGO_ARGS := $(addprefix -p ,$(ESDK_PRESENT))
export ESDK_CARGO_ARGS

.PHONY: test lint check-workspace check-doc-paths test-rust demo invoke fuzz bench node-twin help

test: lint asl-validate local-test test-rust infra-test ## Everything CI runs: fmt, clippy, ASL validation, stack.sh tests, unit + contract + integration + end-to-end tests, CDK tests

lint: check-workspace check-doc-paths ## cargo fmt --check, clippy with warnings as errors, and the paths the docs name
	cargo fmt --all -- --check
	cargo clippy --all-targets --locked -- -D warnings
	$(if $(ESDK_CARGO_ARGS),cargo clippy $(ESDK_CARGO_ARGS) --all-targets --locked -- -D warnings)

check-doc-paths: ## Every repository path README.md, docs/, local/ and infra/ READMEs name exists (scripts/check-doc-paths.py, its self-test first)
	@python3 scripts/check-doc-paths.py --self-test 2>/dev/null || python3 scripts/check-doc-paths.py --self-test
	python3 scripts/check-doc-paths.py

check-workspace: ## Every workspace member is a default member, except ESDK_PACKAGES (built apart); every tests/*.rs is in a test executable
	@cargo metadata --no-deps --format-version 1 --locked | python3 scripts/check-workspace.py --self-test $(ESDK_PRESENT)

# Starts the local stack unless it is up already, and stops it afterwards only if it started it.
# Every binary is built first, for the log-leak test (tests/e2e/log_leak.rs runs each one): `--tests`
# gives the build the tests' feature set, so `cargo test` then reuses it and nothing is built twice.
# The default members and the Encryption SDK packages each in an invocation of their own.
test-rust: tools ## Unit, contract, adapter-integration (moto), log-leak and end-to-end (cognito-local) tests
	@started=no; \
	if ! $(LOCAL_STACK_ENV) $(LOCAL_STACK) status >/dev/null 2>&1; then \
	  started=yes; $(MAKE) --no-print-directory local-up || exit 1; \
	fi; \
	status=0; { cargo build --bins --tests --locked && \
	  { [ -z "$(ESDK_CARGO_ARGS)" ] || cargo build $(ESDK_CARGO_ARGS) --bins --tests --locked; } && \
	  $(TEST_ENV) RUST_BACKTRACE=0 cargo test --locked --no-fail-fast -- --include-ignored && \
	  { [ -z "$(ESDK_CARGO_ARGS)" ] || $(TEST_ENV) RUST_BACKTRACE=0 cargo test $(ESDK_CARGO_ARGS) --locked --no-fail-fast -- --include-ignored; }; } || status=$$?; \
	if [ $$started = yes ]; then $(MAKE) --no-print-directory local-down; fi; \
	exit $$status

# The property tests (hostile input: decoders, renderer, masker) at FUZZ_CASES cases per target,
# in the `fuzz` profile (optimised, its own target dir: built once, reused). `make test` runs them
# at a few thousand cases each.
FUZZ_CASES ?= 1000000
fuzz: ## Property tests of the decoders, renderer and masker at a million cases per target (counts and time printed)
	cargo build --profile fuzz --locked -p trigger-core -p message-catalogue --tests
	@start=$$(date +%s); \
	PROPTEST_CASES=$(FUZZ_CASES) cargo test --profile fuzz --locked -p trigger-core -p message-catalogue \
	  --test hostile_input -- --nocapture 2>&1 | grep --line-buffered -E '^hostile-input|test result|panicked|FAILED|minimal failing|^\s+"'; \
	status=$${PIPESTATUS[0]}; echo "make fuzz: $(FUZZ_CASES) cases per target, $$(( $$(date +%s) - start )) s"; exit $$status

# Benchmarks against a private moto on a free port (chosen here, never a fixed one that another
# moto may hold), started and stopped here: each prints Markdown rows, which
# scripts/bench-report.py writes into docs/performance.md with the machine and the command.
# BENCH_PROFILE: `fuzz` (optimised, no LTO, shared with make fuzz: built once) or `dev` (reuses
# the test build). The zip sizes are those of the arm64 release builds in LAMBDA_ASSETS (the
# release profile, what Lambda runs): infra-assets builds the missing ones and keeps present ones
# as they are, so run `make infra-lambdas` first to measure changed code (about an hour here). The
# cold-start bench starts the COLD_START_PROFILE builds of every binary for this machine (default
# `release`: the profile Lambda runs, LTO and `opt-level = "s"`), beside the Node.js twin
# (tests/node-twin); the bench executables themselves are BENCH_PROFILE builds.
BENCH_PROFILE ?= fuzz
COLD_START_PROFILE ?= release
# Every trigger with an `overhead` bench (benches/overhead.rs: decode → decide → encode, ports
# faked); pre-signup and pre-authentication also have their `burst` bench. The custom senders have
# none: their overhead is the Encryption SDK's decryption (docs/performance.md).
OVERHEAD_BENCH_PACKAGES = pre-signup pre-authentication post-confirmation pre-token-generation post-authentication \
  custom-message user-migration inbound-federation define-auth-challenge create-auth-challenge \
  verify-auth-challenge-response signup-reminder
bench: tools node-twin infra-assets ## Benchmarks: cold start against a Node.js twin, in-process overhead (divan), bursts against a private moto, arm64 zip sizes; written into docs/performance.md
	cargo build --profile $(BENCH_PROFILE) --locked $(OVERHEAD_BENCH_PACKAGES:%=-p %) -p e2e --benches
	@# Then every binary without the test-only features (a bench build links the trigger crates'
	@# binaries with their dev-dependencies' features): what the cold-start bench starts.
	cargo build --profile $(COLD_START_PROFILE) --locked --bins
	$(if $(ESDK_CARGO_ARGS),cargo build --profile $(COLD_START_PROFILE) --locked $(ESDK_CARGO_ARGS) --bins)
	@set -o pipefail; \
	port=$$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'); \
	$(VENV_BIN)/python local/moto_atomic.py -H 127.0.0.1 -p $$port >/dev/null 2>&1 & moto=$$!; \
	for _ in $$(seq 50); do curl -sf http://127.0.0.1:$$port/moto-api/ >/dev/null && break; sleep 0.2; done; \
	kill -0 $$moto || { echo "make bench: moto did not start on port $$port"; exit 1; }; \
	MOTO_ENDPOINT=http://127.0.0.1:$$port $(VENV_BIN)/python local/provision.py >/dev/null && \
	{ export AWS_ENDPOINT_URL=http://127.0.0.1:$$port AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
	    AWS_REGION=us-east-1 TABLE_NAME=cognito-triggers-local; \
	  COLD_START_PROFILE=$(COLD_START_PROFILE) cargo bench --profile $(BENCH_PROFILE) --locked -p e2e --bench cold_start 2>/dev/null && \
	  cargo bench --profile $(BENCH_PROFILE) --locked $(OVERHEAD_BENCH_PACKAGES:%=-p %) --bench burst --bench overhead 2>/dev/null && \
	  python3 scripts/zip-sizes.py $(LAMBDA_ASSETS) $(INFRA_TRIGGER_LIST); } \
	  | python3 scripts/bench-report.py docs/performance.md "make bench BENCH_PROFILE=$(BENCH_PROFILE) COLD_START_PROFILE=$(COLD_START_PROFILE)" \
	    $(BENCH_PROFILE) $(COLD_START_PROFILE); \
	status=$$?; kill $$moto; wait $$moto 2>/dev/null; exit $$status

# The Node.js twin's SDK (tests/node-twin, pinned by its package-lock.json): again only when the
# lock changes.
NODE_TWIN_STAMP := tests/node-twin/node_modules/.installed
node-twin: $(NODE_TWIN_STAMP)
$(NODE_TWIN_STAMP): tests/node-twin/package-lock.json
	npm ci --prefix tests/node-twin --no-audit --no-fund --loglevel=error
	@touch $@

demo: local-up ## Start the local user pool and run the scripted user journey (the stack stays up)
	@$(TEST_ENV) cargo run --quiet --locked -p e2e --bin demo
	@echo "The local stack is still running (make local-status); stop it with: make local-down"

TRIGGER ?= pre-signup
EVENT ?= tests/fixtures/events/pre-signup-denied-domain.json
# A custom sender's `request.code` is encrypted at invoke time under the senders' KMS key the stack
# created in moto (CODE=… sets the plaintext, default 123456): local/invoke.py.
invoke: local-up ## Run one trigger binary on one event: make invoke TRIGGER=pre-signup EVENT=tests/fixtures/events/pre-signup-denied-domain.json (custom senders too)
	python3 local/invoke.py --state-dir "$(LOCAL_STATE_DIR)" --venv-bin "$(VENV_BIN)" $(TRIGGER) $(EVENT)

help:
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | sort
