#!/usr/bin/env python3
"""Checks the workspace's default-members against the packages that link the Encryption SDK.

Usage: cargo metadata --no-deps --format-version 1 | check-workspace.py ESDK_PACKAGE...

Every member must be a default member (so that `cargo build`, `cargo test` and `cargo lambda
watch` build it), except the Encryption SDK packages named on the command line, which must not be
(they are built in a cargo invocation of their own; see default-members in Cargo.toml). A member
added without a line in default-members would otherwise be silently left out of every test run.
"""
import json
import sys


def main() -> int:
    esdk = set(sys.argv[1:])
    meta = json.load(sys.stdin)
    name_of = {p["id"]: p["name"] for p in meta["packages"]}
    members = {name_of[i] for i in meta["workspace_members"]}
    defaults = {name_of[i] for i in meta["workspace_default_members"]}
    problems = []
    for name in sorted(members - defaults - esdk):
        problems.append(f"member `{name}` is missing from default-members in Cargo.toml (so no test run would build it)")
    for name in sorted(defaults & esdk):
        problems.append(f"`{name}` links the Encryption SDK (ESDK_PACKAGES in the Makefile) and must not be in default-members")
    for name in sorted(esdk - members):
        problems.append(f"ESDK_PACKAGES names `{name}`, which is not a workspace member")
    for line in problems:
        print(f"check-workspace: {line}", file=sys.stderr)
    if not problems:
        print(f"check-workspace: {len(defaults)} default members, {len(esdk)} built apart ({' '.join(sorted(esdk)) or 'none'})")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
