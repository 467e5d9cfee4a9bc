#!/usr/bin/env python3
"""Checks the workspace's default-members against the packages that link the Encryption SDK.

Usage: cargo metadata --no-deps --format-version 1 | check-workspace.py ESDK_PACKAGE...

Every member must be a default member (so that `cargo build`, `cargo test` and `cargo lambda
watch` build it), except the Encryption SDK packages named on the command line, which must not be
(they are built in a cargo invocation of their own; see default-members in Cargo.toml). A member
added without a line in default-members would otherwise be silently left out of every test run.

It also checks that every `.rs` file directly under a member's `tests/`, or beside a test target's
root, is in a test executable: a target of its own, or a module (`mod name;`) of one, as in the
packages that gather their integration tests into `tests/integration.rs` (`autotests = false`,
docs/build.md). There a new test file that nobody declares would never be built or run.

`--self-test`: checks the test-file rule on a made-up package first.
"""
import json
import re
import sys
import tempfile
from pathlib import Path


def tests_in_no_executable(manifest_dir: Path, target_roots: list[Path]) -> list[str]:
    """The `.rs` files that no test target builds, in the package's `tests/` and in every folder
    that holds a test target's root (the end-to-end crate's `e2e/`): neither a target's root nor
    declared as a module by a target root in the same folder."""
    roots = {root.resolve() for root in target_roots}
    folders = {root.parent for root in roots}
    if (manifest_dir / "tests").is_dir():
        folders.add((manifest_dir / "tests").resolve())
    base = manifest_dir.resolve()
    found = []
    for folder in sorted(folders):
        declared = set()
        for root in roots:
            if root.parent == folder:
                declared |= set(re.findall(r"^\s*(?:pub\s+)?mod\s+([a-z0-9_]+)\s*;", root.read_text(), re.M))
        found += [
            str(f.relative_to(base)) for f in sorted(folder.glob("*.rs")) if f not in roots and f.stem not in declared
        ]
    return found


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
        # Targets named one by one in Cargo.toml, in a folder of their own (the end-to-end crate).
        (pkg / "e2e").mkdir()
        for name in ("journey", "unlisted"):
            (pkg / "e2e" / f"{name}.rs").write_text("")
        roots = [pkg / "tests" / "integration.rs", pkg / "tests" / "apart.rs", pkg / "e2e" / "journey.rs"]
        found = tests_in_no_executable(pkg, roots)
        assert found == ["e2e/unlisted.rs", "tests/commented.rs", "tests/forgotten.rs"], found


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
                " of the test target beside it (tests/integration.rs), or as a [[test]] in the package's Cargo.toml"
            )
    for line in problems:
        print(f"check-workspace: {line}", file=sys.stderr)
    if not problems:
        print(f"check-workspace: {len(defaults)} default members, {len(esdk)} built apart ({' '.join(sorted(esdk)) or 'none'})")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
