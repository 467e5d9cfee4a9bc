# cognito-triggers: every command a developer, CI or a platform team runs.
# `make demo` and `make test` work on a fresh clone: they install what they need into ./tools
# (git-ignored) and start/stop the local stand-ins themselves.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Local stand-ins (moto, cognito-local, cargo-lambda): install, start, stop.
include local/local.mk
# CDK app: synth and its offline tests.
include infra/infra.mk

.PHONY: help
help:
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | sort
