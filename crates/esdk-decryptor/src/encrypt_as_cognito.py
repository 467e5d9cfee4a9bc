#!/usr/bin/env python3
"""Encrypts a code as Cognito does for its custom senders, with the official Python AWS
Encryption SDK, through the KMS that AWS_ENDPOINT_URL points at (moto in the tests).

  encrypt.py --key-id ARN --plaintext CODE [--context KEY=VALUE ...] [--format v1|v2]

v1 (default): Cognito's format, the signed non-committing suite 0x0378
(AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384), which only a client that forbids committing
encryption can write. v2: the committing default 0x0578, as cognito-local (JS SDK) writes.
Prints the message, base64, as `request.code` carries it. Test material only.
"""
import argparse
import base64
import sys

import aws_encryption_sdk
from aws_encryption_sdk import CommitmentPolicy
from aws_encryption_sdk.identifiers import Algorithm


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--key-id", required=True)
    parser.add_argument("--plaintext", required=True)
    parser.add_argument("--context", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--format", choices=["v1", "v2"], default="v1")
    args = parser.parse_args()
    context = dict(pair.split("=", 1) for pair in args.context)
    if args.format == "v1":
        client = aws_encryption_sdk.EncryptionSDKClient(commitment_policy=CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT)
        suite = Algorithm.AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384
    else:
        client = aws_encryption_sdk.EncryptionSDKClient(commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT)
        suite = Algorithm.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384
    provider = aws_encryption_sdk.StrictAwsKmsMasterKeyProvider(key_ids=[args.key_id])
    message, _header = client.encrypt(
        source=args.plaintext.encode(), key_provider=provider, encryption_context=context, algorithm=suite
    )
    sys.stdout.write(base64.b64encode(message).decode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
