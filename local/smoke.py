#!/usr/bin/env python3
"""Smoke test of the local stack: a sign-up through cognito-local decided by our pre-signup binary.

1. creates a user pool and an app client in cognito-local;
2. SignUp at a denied domain (blocked.example, from local/functions.env) must fail with
   UserLambdaValidationException carrying the pre-signup binary's message;
3. SignUp at an allowed domain must succeed;
4. deletes the pool.

Passwords are random and never printed. Run by `make local-smoke` (which starts the stack first).
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import time
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

# The text the pre-signup binary answers for a denied e-mail domain (triggers/pre-signup).
DEFAULT_DENIAL_TEXT = "Sign-up with this e-mail domain is not allowed"
DENIED_DOMAIN = "blocked.example"
ALLOWED_DOMAIN = "example.com"


def password() -> str:
    # Meets cognito-local's default policy (upper, lower, digit, symbol, length >= 8).
    return "Aa1!" + secrets.token_urlsafe(18)


def step(text: str) -> None:
    print(f"smoke: {text}", flush=True)


def fail(text: str) -> int:
    print(f"smoke: FAIL: {text}", file=sys.stderr, flush=True)
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", default="http://127.0.0.1:9229", help="cognito-local endpoint")
    parser.add_argument("--state-dir", type=Path, default=Path(__file__).resolve().parent.parent / ".local")
    parser.add_argument("--denial-text", default=DEFAULT_DENIAL_TEXT,
                        help="text the pre-signup binary answers for a denied domain")
    args = parser.parse_args(argv)

    config_file = args.state_dir / "cognito-local" / ".cognito" / "config.json"
    try:
        wired = json.loads(config_file.read_text(encoding="utf-8")).get("TriggerFunctions", {})
    except (OSError, ValueError) as err:
        return fail(f"cannot read {config_file} ({err}); is the stack up? run `make local-up`")
    if wired.get("PreSignUp") != "pre-signup":
        return fail(f"PreSignUp is not wired to pre-signup in {config_file} (wired: {wired}); "
                    "does triggers/pre-signup/Cargo.toml exist?")

    idp = boto3.client(
        "cognito-idp",
        endpoint_url=args.endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=60),
    )
    run = f"{int(time.time())}-{secrets.token_hex(3)}"
    try:
        pool_id = idp.create_user_pool(PoolName=f"smoke-{run}")["UserPool"]["Id"]
    except EndpointConnectionError:
        return fail(f"cognito-local does not answer at {args.endpoint}; run `make local-up`")
    except (BotoCoreError, ClientError) as err:
        return fail(f"CreateUserPool: {err}")
    step(f"created user pool {pool_id}")
    try:
        client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="smoke")["UserPoolClient"]["ClientId"]
        step(f"created app client {client_id}")

        denied = f"smoke-{run}@{DENIED_DOMAIN}"
        started = time.monotonic()
        try:
            idp.sign_up(ClientId=client_id, Username=denied, Password=password(),
                        UserAttributes=[{"Name": "email", "Value": denied}])
        except ClientError as err:
            code = err.response["Error"]["Code"]
            message = err.response["Error"].get("Message", "")
            took = time.monotonic() - started
            if code != "UserLambdaValidationException":
                return fail(f"SignUp at {DENIED_DOMAIN}: expected UserLambdaValidationException, got {code}: {message}")
            if args.denial_text not in message:
                return fail(f"SignUp at {DENIED_DOMAIN}: message {message!r} lacks {args.denial_text!r}")
            step(f"SignUp at {DENIED_DOMAIN} denied in {took * 1000:.0f} ms: {code}: {message}")
        else:
            return fail(f"SignUp at {DENIED_DOMAIN} succeeded; pre-signup should have denied it")

        allowed = f"smoke-{run}@{ALLOWED_DOMAIN}"
        started = time.monotonic()
        try:
            answer = idp.sign_up(ClientId=client_id, Username=allowed, Password=password(),
                                 UserAttributes=[{"Name": "email", "Value": allowed}])
        except ClientError as err:
            error = err.response["Error"]
            return fail(f"SignUp at {ALLOWED_DOMAIN}: {error.get('Code')}: {error.get('Message')}")
        took = time.monotonic() - started
        step(f"SignUp at {ALLOWED_DOMAIN} accepted in {took * 1000:.0f} ms "
             f"(UserConfirmed={answer['UserConfirmed']}, sub {answer['UserSub']})")
    finally:
        try:
            idp.delete_user_pool(UserPoolId=pool_id)
            step(f"deleted user pool {pool_id}")
        except (BotoCoreError, ClientError) as err:
            print(f"smoke: note: could not delete pool {pool_id}: {err}", file=sys.stderr)
    print("smoke: 2 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
