#!/usr/bin/env python3
"""Log filter for cognito-local: stdin -> log file, with secrets removed and colours stripped.

cognito-local prints every confirmation code and temporary password it "sends" in a box
("Confirmation Code Delivery": Username, Destination, Code, e-mail/SMS text), and dumps the
request body of an unsupported API call. Tests read codes from cognito-local's data files
(.local/cognito-local/.cognito/db/<poolId>.json), never from the log, so the log keeps only the
box's Username and Destination and loses the code and the message text; JSON values of keys that
carry passwords, codes or tokens are replaced everywhere.

Usage: node start.js 2>&1 | redact_log.py LOGFILE
"""

from __future__ import annotations

import re
import sys

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
SECRET_KEYS = (
    "(?i:password|previouspassword|proposedpassword|temporarypassword|confirmationcode|"
    "__code|accesstoken|idtoken|refreshtoken|session|secrethash|challengeresponses|answer|"
    "usercode|secretcode|clientsecret)"
    # The API's `Code` (VerifyUserAttribute), not the lower-case `code` of an error object.
    "|Code"
)
SECRET_JSON = re.compile(r'("(?:' + SECRET_KEYS + r')"\s*:\s*)("(?:[^"\\]|\\.)*"|\{[^{}]*\})')
# boxen draws the code-delivery box with these; its content lines start with a vertical bar.
BOX_CONTENT = "\u2502"
KEEP_IN_BOX = ("Confirmation Code Delivery", "Username:", "Destination:")


def redact(line: str) -> str:
    line = ANSI.sub("", line)
    stripped = line.lstrip()
    if stripped.startswith(BOX_CONTENT):
        inner = stripped.strip().strip(BOX_CONTENT).strip()
        if inner and not any(inner.startswith(k) for k in KEEP_IN_BOX):
            return "\u2502   [redacted]\n"
        return line
    return SECRET_JSON.sub(r'\1"[redacted]"', line)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: redact_log.py LOGFILE", file=sys.stderr)
        return 2
    stdin = open(sys.stdin.fileno(), "r", encoding="utf-8", errors="replace", newline="\n", closefd=False)
    with open(argv[1], "a", encoding="utf-8") as out:
        for line in stdin:
            out.write(redact(line))
            out.flush()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except KeyboardInterrupt:
        sys.exit(0)
