# The sign-up reminder state machine: validates its ASL definition with asl-validator, a real
# validator from the npm registry (pinned in local/package.json, installed into tools/node by
# `make tools`). Include after local/local.mk, which defines NODE_TOOLS_DIR and NODE_STAMP.

REMINDER_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
REMINDER_ASL := $(REMINDER_DIR)/state-machine.asl.json
ASL_VALIDATOR := $(NODE_TOOLS_DIR)/node_modules/.bin/asl-validator

.PHONY: asl-validate

asl-validate: $(NODE_STAMP) ## Validate the sign-up reminder state machine (ASL schema, paths, transitions) with asl-validator
	$(ASL_VALIDATOR) --json-path $(REMINDER_ASL)
