#!/usr/bin/env python3
"""Checks the workspace's default-members against the packages that link the Encryption SDK.

Usage: cargo metadata --no-deps --format-version 1 | check-workspace.py ESDK_PACKAGE...

Every member must be a default member (so that `cargo build`, `cargo test` and `cargo lambda
watch` build it), except the Encryption SDK packages named on the command line, which must not be
(they are built in a cargo invocation of their own; see default-members in Cargo.toml). A member
added without a line in default-members would otherwise be silently left out of every test run.

It also checks that every file directly under a member's `tests/` is in a test executable: a
target of its own, or a module (`mod name;`) of one, as in the packages that gather their
integration tests into `tests/integration.rs` (`autotests = false`, docs/build.md). There a new
test file that nobody declares would never be built or run.

`--self-test`: checks the test-file rule on a made-up package first.
"""
import json
import re
import sys
import tempfile
from pathlib import Path


def tests_in_no_executable(manifest_dir: Path, target_roots: list[Path]) -> list[str]:
    """The files `tests/*.rs` of a package that no test target builds: neither a target's root
    nor declared as a module by a target root in `tests/`."""
    tests = manifest_dir / "tests"
    if not tests.is_dir():
        return []
    roots = {root.resolve() for root in target_roots}
    declared = set()
    for root in roots:
        if root.parent == tests.resolve():
            declared |= set(re.findall(r"^\s*(?:pub\s+)?mod\s+([a-z0-9_]+)\s*;", root.read_text(), re.M))
    return sorted(
        f"tests/{f.name}" for f in tests.glob("*.rs") if f.resolve() not in roots and f.stem not in declared
    )


def self_test() -> None:
    with tempfile.TemporaryDirectory() as d:
        pkg = Path(d)
        (pkg / "tests").mkdir()
        (pkg / "tests" / "integration.rs").write_text("//! root\nmod handler;\n// mod commented;\n")
        for name in ("handler", "forgotten", "apart", "commented"):
            (pkg / "tests" / f"{name}.rs").write_text("")
        found = tests_in_no_executable(pkg, [pkg / "tests" / "integration.rs", pkg / "tests" / "apart.rs"])
        assert found == ["tests/commented.rs", "tests/forgotten.rs"], found
        assert tests_in_no_executable(pkg / "nothing", []) == []


def main() -> int:
    args = sys.argv[1:]
    if args[:1] == ["--self-test"]:
        self_test()
        args = args[1:]
    esdk = set(args)
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
    for package in meta["packages"]:
        if package["name"] not in members:
            continue
        roots = [Path(t["src_path"]) for t in package["targets"] if "test" in t["kind"]]
        for path in tests_in_no_executable(Path(package["manifest_path"]).parent, roots):
            problems.append(
                f"`{package['name']}`: {path} is in no test executable, so it never runs: declare it as a module"
                " in tests/integration.rs, or as a [[test]] in the package's Cargo.toml"
            )
    for line in problems:
        print(f"check-workspace: {line}", file=sys.stderr)
    if not problems:
        print(f"check-workspace: {len(defaults)} default members, {len(esdk)} built apart ({' '.join(sorted(esdk)) or 'none'})")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
