#!/usr/bin/env python3
"""Writes the figures `make bench` measured (Markdown table rows on stdin) into
docs/performance.md, between the `bench:begin` and `bench:end` markers, with the machine and the
command. Usage: ... | python3 scripts/bench-report.py docs/performance.md "<command>" "<profile>" \
  ["<profile of the binaries the cold-start bench starts>"]
"""
import datetime
import os
import platform
import re
import sys


def machine() -> str:
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{platform.machine()}, {os.cpu_count()} cores ({model}), {platform.system()} {platform.release()}, load average at the start {load}"


def main() -> int:
    path, command, profile = sys.argv[1], sys.argv[2], sys.argv[3]
    started = sys.argv[4] if len(sys.argv) > 4 else profile
    profiles = f"cargo profile `{profile}`" if started == profile else (
        f"cargo profile `{profile}` (benches), `{started}` (the binaries the cold-start bench starts)"
    )
    rows = [line.rstrip("\n") for line in sys.stdin if line.startswith("|")]
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    block = "\n".join(
        [
            "<!-- bench:begin (written by `make bench`: scripts/bench-report.py) -->",
            f"Measured {when} on {machine()}; {profiles}; command: `{command}`.",
            "",
            "| what | outcome | figures |",
            "| --- | --- | --- |",
            *rows,
            "<!-- bench:end -->",
        ]
    )
    with open(path, encoding="utf-8") as doc:
        text = doc.read()
    pattern = re.compile(r"<!-- bench:begin.*?<!-- bench:end -->", re.S)
    if not pattern.search(text):
        print(f"{path}: no bench:begin/bench:end markers", file=sys.stderr)
        return 1
    with open(path, "w", encoding="utf-8") as doc:
        doc.write(pattern.sub(lambda _: block, text))
    print(block)
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())
