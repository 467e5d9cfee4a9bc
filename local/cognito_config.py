#!/usr/bin/env python3
"""Write cognito-local's .cognito/config.json for the local stack.

- LambdaClient: the Lambda-invoke adapter (local/lambda_adapter.py), dummy credentials and no SDK
  retries (Cognito does not retry a trigger's function error either).
- TriggerFunctions: from local/triggers.tsv, only the binaries that exist in the workspace
  (triggers/<binary>/Cargo.toml). cognito-local applies them to every user pool.
- KMSConfig: moto's KMS (CustomEmailSender encrypts codes through it).
- --senders-key ARN: the config of the senders' pool instead: only CustomEmailSender ->
  custom-email-sender, encrypting with that key (cognito-local needs it as KMSKeyId and, as the
  keyring's generator, KMSKeyAlias).

Usage: cognito_config.py --root WORKSPACE --out .local/cognito-local/.cognito/config.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

DUMMY_CREDENTIALS = {"accessKeyId": "test", "secretAccessKey": "test"}


def wired_triggers(root: Path, table: Path) -> dict[str, str]:
    triggers: dict[str, str] = {}
    for number, raw in enumerate(table.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        fields = line.split()
        if len(fields) != 2:
            raise ValueError(f"{table}:{number}: expected '<TriggerName> <binary>', got {raw!r}")
        trigger, binary = fields
        if (root / "triggers" / binary / "Cargo.toml").is_file():
            triggers[trigger] = binary
    return triggers


def main(argv: list[str] | None = None) -> int:
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=here.parent, help="workspace root")
    parser.add_argument("--triggers", type=Path, default=here / "triggers.tsv")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--lambda-endpoint", default=os.environ.get("LAMBDA_ENDPOINT", "http://127.0.0.1:9001"))
    parser.add_argument("--kms-endpoint", default=os.environ.get("MOTO_ENDPOINT", "http://127.0.0.1:4566"))
    parser.add_argument("--senders-key", help="write the senders' pool config, encrypting with this KMS key ARN")
    args = parser.parse_args(argv)

    try:
        triggers = wired_triggers(args.root, args.triggers)
    except (OSError, ValueError) as err:
        print(f"cognito_config: {err}", file=sys.stderr)
        return 1
    kms_key = {}
    if args.senders_key:
        triggers = {"CustomEmailSender": "custom-email-sender"}
        kms_key = {"KMSKeyId": args.senders_key, "KMSKeyAlias": args.senders_key}
    config = {
        "LambdaClient": {
            "endpoint": args.lambda_endpoint,
            "region": "us-east-1",
            "credentials": DUMMY_CREDENTIALS,
            "maxRetries": 0,
        },
        "TriggerFunctions": triggers,
        "KMSConfig": {
            "endpoint": args.kms_endpoint,
            "region": "us-east-1",
            "credentials": DUMMY_CREDENTIALS,
            **kms_key,
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    tmp.replace(args.out)
    wired = ", ".join(f"{t} -> {b}" for t, b in triggers.items()) or "none (no trigger binary in triggers/)"
    print(f"cognito-local triggers: {wired}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
