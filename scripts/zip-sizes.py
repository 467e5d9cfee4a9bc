#!/usr/bin/env python3
"""`make bench`: the size of each arm64 release zip that `make infra-lambdas` wrote
(<lambda dir>/<binary>/bootstrap.zip), against issue 13's target of 3 MB, as Markdown rows for
scripts/bench-report.py. Usage: zip-sizes.py <lambda dir> <binary> [<binary> ...]
A binary without a zip is a row saying so, and the exit status is 1.
"""
import os
import sys
import zipfile

TARGET_BYTES = 3_000_000
# The Encryption SDK senders carry aws-esdk and a second HTTP stack: no target, what they reach.
NO_TARGET = {"custom-email-sender", "custom-sms-sender"}


def mb(size: int) -> str:
    return f"{size / 1_000_000:.2f} MB"


def main() -> int:
    lambda_dir, binaries = sys.argv[1], sys.argv[2:]
    missing = 0
    for binary in binaries:
        path = os.path.join(lambda_dir, binary, "bootstrap.zip")
        if not os.path.isfile(path):
            print(f"| arm64 release zip, {binary} | not built ({path} missing) | |")
            missing += 1
            continue
        zipped = os.path.getsize(path)
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(entry.file_size for entry in archive.infolist())
        if binary in NO_TARGET:
            verdict = "no target (Encryption SDK); what it reaches"
        else:
            verdict = f"target ≤ {mb(TARGET_BYTES)}: {'met' if zipped <= TARGET_BYTES else 'not met'}"
        print(f"| arm64 release zip, {binary} | {mb(zipped)} ({verdict}) | binary {mb(unpacked)} |")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
