# Message templates: validates a team's override directory (MESSAGE_TEMPLATES_DIR of
# custom-message, the custom senders, create-auth-challenge, post-confirmation and signup-reminder)
# with the same checks the functions run at cold start.

DEFAULT_LOCALE ?= en

.PHONY: check-templates

check-templates: ## Validate message template overrides before deploying: make check-templates DIR=path/to/templates [DEFAULT_LOCALE=de]
	@test -n "$(DIR)" || { echo "usage: make check-templates DIR=path/to/templates [DEFAULT_LOCALE=en]" >&2; exit 2; }
	cargo run --quiet --locked -p message-catalogue --bin check-templates -- "$(DIR)" "$(DEFAULT_LOCALE)"
