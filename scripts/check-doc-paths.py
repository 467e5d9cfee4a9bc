#!/usr/bin/env python3
"""Fails when a document names a repository path that does not exist.

  check-doc-paths.py [--root DIR] [--self-test]

Reads README.md, docs/**/*.md, local/README.md and infra/README.md and checks two things that
look like paths, nothing else (prose, commands and identifiers are left alone):
- a backticked span that starts with a top-level folder of the repository (`crates/…`,
  `triggers/…`, `docs/…`, `tests/…`, `local/…`, `infra/…`, `scripts/…`) and has no space in it;
  a `::item` or `:line` after a file is dropped, a `*` is a glob that must match something, and a
  span with a placeholder (`<trigger>`, `{name}`, `…`) is skipped;
- a relative markdown link `[text](path#anchor)`, resolved from the document's folder.
A backticked path may also be relative to the document's home: `local/` and `infra/` for their
READMEs, `triggers/<name>/` (or `crates/<name>/`) for `docs/triggers/<name>.md` — "`tests/handler.rs`"
in a trigger's page is that trigger's. Generated paths (`infra/cdk.out/…`, and whatever the
repository's .gitignore files ignore, such as `infra/.venv`: made by a build, absent from a clean
checkout) are not checked.
Prints `file:line: path` for each missing one and exits 1 if any. `--self-test` runs its own
tests (make lint runs both).
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

DOCUMENTS = ["README.md", "docs/**/*.md", "local/README.md", "infra/README.md"]
TOP_FOLDERS = ("crates/", "triggers/", "docs/", "tests/", "local/", "infra/", "scripts/")
BACKTICKED = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
PLACEHOLDER = re.compile(r"[<>{}…$]|\.\.\.")
FENCE = re.compile(r"^\s*(```|~~~)")
GENERATED = ("infra/cdk.out/", "infra/node_modules/", "local/node_modules/")


def documents(root: Path) -> list[Path]:
    found: set[Path] = set()
    for pattern in DOCUMENTS:
        found.update(path for path in root.glob(pattern) if path.is_file())
    return sorted(found)


def backticked_path(span: str) -> str | None:
    """The repository path a backticked span names, or None when it names none."""
    span = span.strip()
    if " " in span or not span.startswith(TOP_FOLDERS) or PLACEHOLDER.search(span):
        return None
    if span.startswith(GENERATED):
        return None
    path = span.split("::", 1)[0].split("#", 1)[0]
    path = re.sub(r":\d+(-\d+)?$", "", path)
    return path.rstrip(".,;")


def homes(root: Path, doc: Path) -> list[Path]:
    """Where a backticked path in `doc` may be relative to: the root, and the document's home."""
    relative = doc.relative_to(root)
    found = [root]
    if relative.parts[0] in ("local", "infra") and len(relative.parts) == 2:
        found.append(doc.parent)
    if relative.parts[:2] == ("docs", "triggers"):
        found += [root / "triggers" / doc.stem, root / "crates" / doc.stem]
    return found


def link_path(target: str) -> str | None:
    """The relative path a markdown link points at, or None for a URL or an anchor."""
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target) or target.startswith(("#", "/")):
        return None
    path = target.split("#", 1)[0].split("?", 1)[0]
    return path or None


def exists(root: Path, base: Path, path: str) -> bool:
    """`path` (relative to `base`) names something in the repository; a glob must match."""
    candidate = base / path
    if "*" not in path:
        return candidate.exists()
    try:
        relative = candidate.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return any(root.glob(str(relative)))


def ignored(root: Path, base: Path, path: str) -> bool:
    """`path` is one git ignores: made by a build or a tool, so a clean checkout lacks it."""
    try:
        relative = (base / path).resolve().relative_to(root.resolve())
    except ValueError:
        return False
    # A rule for a folder (`/.venv/`) matches a path git cannot see is one only with a `/` after it.
    for form in (str(relative), f"{relative}/"):
        check = ["git", "-C", str(root), "check-ignore", "-q", "--no-index", form]
        if subprocess.run(check, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0:
            return True
    return False


def missing_paths(root: Path) -> list[str]:
    problems = []
    for doc in documents(root):
        in_fence = False
        for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), start=1):
            if FENCE.match(line):
                in_fence = not in_fence
                continue
            if in_fence:
                continue
            spans = [p for p in map(backticked_path, BACKTICKED.findall(line)) if p]
            links = [p for p in map(link_path, LINK.findall(line)) if p]
            missing = [
                p for p in spans
                if not any(exists(root, home, p) or ignored(root, home, p) for home in homes(root, doc))
            ]
            missing += [p for p in links if not (exists(root, doc.parent, p) or ignored(root, doc.parent, p))]
            problems += [f"{doc.relative_to(root)}:{number}: {path}" for path in missing]
    return problems


class SelfTest(unittest.TestCase):
    def repo(self, files: dict[str, str]) -> Path:
        scratch = tempfile.TemporaryDirectory()
        self.addCleanup(scratch.cleanup)
        root = Path(scratch.name)
        for name, text in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text, encoding="utf-8")
        return root

    def test_paths_that_exist_pass_and_missing_ones_are_named_with_their_line(self):
        root = self.repo({
            "crates/a/src/lib.rs": "",
            "tests/e2e/attacks_sign_in.rs": "",
            "docs/guide.md": "",
            "docs/triggers/one.md": "see [guide](../guide.md#top) and [two](two.md)\n",
            "README.md": "`crates/a/src/lib.rs::thing` `crates/a/src/lib.rs:12` `tests/e2e/attacks_*.rs`\n"
                         "`crates/gone.rs`, [docs](docs/guide.md), [web](https://example.com), [here](#x)\n"
                         "`docs/triggers/<trigger>.md` `cargo test -p a` `triggers/x/…` `make lint`\n"
                         "```\n`crates/in-a-fence.rs`\n```\n",
        })
        self.assertEqual(missing_paths(root), ["README.md:2: crates/gone.rs", "docs/triggers/one.md:1: two.md"])

    def test_a_trigger_page_and_a_folder_readme_may_name_their_own_files(self):
        root = self.repo({
            "triggers/one/tests/handler.rs": "",
            "infra/scripts/lint.ts": "",
            "docs/triggers/one.md": "`tests/handler.rs` `tests/faults.rs` `docs/configuration.md#logs`\n",
            "infra/README.md": "`scripts/lint.ts` `infra/cdk.out/Stack.template.json`\n",
            "docs/configuration.md": "",
        })
        self.assertEqual(missing_paths(root), ["docs/triggers/one.md:1: tests/faults.rs"])

    def test_what_git_ignores_is_generated_and_not_required(self):
        root = self.repo({
            ".gitignore": "/build/\n",
            "infra/.gitignore": "/.venv/\n",
            "infra/README.md": "`infra/.venv` `.venv/bin/cfn-lint` `infra/gone.ts`\n",
            "README.md": "`build/out.zip` [out](build/out.zip)\n",
        })
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        self.assertEqual(missing_paths(root), ["infra/README.md:1: infra/gone.ts"])

    def test_a_glob_must_match_something(self):
        root = self.repo({"README.md": "`tests/e2e/attacks_*.rs`\n", "tests/e2e/other.rs": ""})
        self.assertEqual(missing_paths(root), ["README.md:1: tests/e2e/attacks_*.rs"])

    def test_spans_that_are_no_paths_are_left_alone(self):
        self.assertIsNone(backticked_path("infra/cdk.out/Stack.template.json"), "generated")
        for span in ["cargo lambda watch", "docs", "crates/<name>/src", "tests/{a,b}", "docs/…", "USER_AUTH"]:
            self.assertIsNone(backticked_path(span), span)
        self.assertEqual(backticked_path("triggers/pre-signup/src/main.rs:3"), "triggers/pre-signup/src/main.rs")
        for target in ["https://x.y/z", "mailto:a@b.c", "#anchor", "/etc/passwd"]:
            self.assertIsNone(link_path(target), target)
        self.assertEqual(link_path("../a.md#b"), "../a.md")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    if args.self_test:
        result = unittest.TextTestRunner(verbosity=0).run(unittest.defaultTestLoader.loadTestsFromTestCase(SelfTest))
        return 0 if result.wasSuccessful() else 1
    problems = missing_paths(args.root.resolve())
    for problem in problems:
        print(problem)
    if problems:
        print(f"check-doc-paths: {len(problems)} path(s) named in the docs do not exist", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
