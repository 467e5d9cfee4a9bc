#!/usr/bin/env python3
"""Create the shared fixtures in the local moto server; safe to run any number of times.

- DynamoDB table (default `cognito-triggers-local`): pk (S, hash), sk (S, range),
  PAY_PER_REQUEST, TTL on `expiresAt`.
- SES e-mail identity (default `no-reply@example.com`): moto only sends from a verified sender.
- With --senders-key-file: a symmetric KMS key (alias `alias/cognito-triggers-local-senders`)
  that the senders' user pool encrypts codes with and custom-email-sender decrypts with; its ARN
  is written to that file.
- Secrets Manager secret `cognito-triggers-local/smtp`: the local SMTP server's fixed login
  (local/smtp_server.py), JSON `{"username", "password"}`, which custom-email-sender reads through
  SMTP_CREDENTIALS_SECRET as it would in a deployment.
- EventBridge bus for the domain events (default `cognito-triggers-local`, docs/events.md) and an
  example listener: a rule for `source: cognito-triggers` to the SQS queue
  `cognito-triggers-local-events` (what `make demo` prints).

Run by `make local-up` after moto answers. Talks only to the local endpoint, dummy credentials.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import boto3
from smtp_server import LOCAL_PASSWORD, LOCAL_USERNAME
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

DEFAULT_ENDPOINT = "http://127.0.0.1:4566"
DEFAULT_TABLE = "cognito-triggers-local"
DEFAULT_SENDER = "no-reply@example.com"
DEFAULT_LEGACY_TABLE = "cognito-triggers-legacy-local"
SENDERS_KEY_ALIAS = "alias/cognito-triggers-local-senders"
DEFAULT_EVENT_BUS = "cognito-triggers-local"
LISTENER_RULE = "cognito-triggers-local-listener"
REGION = "us-east-1"
SMTP_SECRET = "cognito-triggers-local/smtp"


def client(service: str, endpoint: str):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5, read_timeout=30),
    )


def create_table(ddb, name: str, keys: list[str]) -> str:
    """Creates a pay-per-request table with string `keys` (partition, then sort) unless it exists."""
    try:
        ddb.create_table(
            TableName=name,
            AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"} for key in keys],
            KeySchema=[{"AttributeName": key, "KeyType": kind} for key, kind in zip(keys, ("HASH", "RANGE"))],
            BillingMode="PAY_PER_REQUEST",
        )
        created = "created"
    except ClientError as err:
        if err.response["Error"]["Code"] != "ResourceInUseException":
            raise
        created = "exists"
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    return created


def ensure_table(ddb, name: str) -> str:
    """The project's table (`pk`, `sk`), with TTL on `expiresAt`."""
    created = create_table(ddb, name, ["pk", "sk"])
    ttl = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    if ttl.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING") or ttl.get("AttributeName") != "expiresAt":
        ddb.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiresAt"},
        )
    return created


def ensure_legacy_table(ddb, name: str) -> str:
    """The legacy password table user-migration reads (partition key `username`, no TTL)."""
    return create_table(ddb, name, ["username"])


def ensure_sender(ses, address: str) -> str:
    try:
        ses.get_email_identity(EmailIdentity=address)
        return "exists"
    except ClientError as err:
        if err.response["Error"]["Code"] not in ("NotFoundException", "NotFound"):
            raise
    ses.create_email_identity(EmailIdentity=address)
    return "created"


def ensure_senders_key(kms) -> tuple[str, str]:
    """The ARN of the senders' key, created (with its alias) unless the alias exists."""
    try:
        return kms.describe_key(KeyId=SENDERS_KEY_ALIAS)["KeyMetadata"]["Arn"], "exists"
    except ClientError as err:
        if err.response["Error"]["Code"] != "NotFoundException":
            raise
    arn = kms.create_key(Description="cognito-triggers local: custom-sender codes")["KeyMetadata"]["Arn"]
    kms.create_alias(AliasName=SENDERS_KEY_ALIAS, TargetKeyId=arn)
    return arn, "created"
def ensure_smtp_secret(secrets) -> str:
    """The SMTP login secret, with the local server's login (set again if it exists)."""
    value = json.dumps({"username": LOCAL_USERNAME, "password": LOCAL_PASSWORD})
    try:
        secrets.put_secret_value(SecretId=SMTP_SECRET, SecretString=value)
        return "exists"
    except ClientError as err:
        if err.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
    secrets.create_secret(Name=SMTP_SECRET, SecretString=value)
    return "created"


def ensure_event_bus(events, sqs, bus: str) -> str:
    """The bus, the listener queue `<bus>-events` and the rule between them (each unless it exists)."""
    created = "exists"
    try:
        events.describe_event_bus(Name=bus)
    except ClientError as err:
        if err.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        events.create_event_bus(Name=bus)
        created = "created"
    queue_url = sqs.create_queue(QueueName=f"{bus}-events")["QueueUrl"]  # idempotent
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name=LISTENER_RULE, EventBusName=bus, EventPattern=json.dumps({"source": ["cognito-triggers"]}))
    events.put_targets(Rule=LISTENER_RULE, EventBusName=bus, Targets=[{"Id": "listener", "Arn": queue_arn}])
    return created


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", default=os.environ.get("MOTO_ENDPOINT", DEFAULT_ENDPOINT))
    parser.add_argument("--table", default=os.environ.get("TABLE_NAME", DEFAULT_TABLE))
    parser.add_argument("--sender", default=os.environ.get("SES_SENDER", DEFAULT_SENDER))
    parser.add_argument("--legacy-table", default=os.environ.get("LEGACY_USERS_TABLE", DEFAULT_LEGACY_TABLE))
    parser.add_argument("--senders-key-file", help="create the senders' KMS key and write its ARN here")
    parser.add_argument("--event-bus", default=os.environ.get("EVENT_BUS_NAME", DEFAULT_EVENT_BUS))
    args = parser.parse_args(argv)

    try:
        table = ensure_table(client("dynamodb", args.endpoint), args.table)
        legacy = ensure_legacy_table(client("dynamodb", args.endpoint), args.legacy_table)
        sender = ensure_sender(client("sesv2", args.endpoint), args.sender)
        key = None
        if args.senders_key_file:
            key, key_state = ensure_senders_key(client("kms", args.endpoint))
            tmp = f"{args.senders_key_file}.tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(key)
            os.replace(tmp, args.senders_key_file)
        bus = ensure_event_bus(client("events", args.endpoint), client("sqs", args.endpoint), args.event_bus)
        smtp_secret = ensure_smtp_secret(client("secretsmanager", args.endpoint))
    except (BotoCoreError, ClientError, OSError) as err:
        print(f"provision: failed against {args.endpoint}: {err}", file=sys.stderr)
        return 1
    print(f"provision: DynamoDB table {args.table} ({table}, TTL on expiresAt), "
          f"legacy users table {args.legacy_table} ({legacy}); "
          f"SES identity {args.sender} ({sender}); event bus {args.event_bus} ({bus}) "
          f"with the listener queue {args.event_bus}-events; secret {SMTP_SECRET} ({smtp_secret})"
          + (f"; senders' KMS key {SENDERS_KEY_ALIAS} ({key_state})" if key else "")
          + f" at {args.endpoint}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
