#!/usr/bin/env python3
"""`make invoke`: runs one trigger binary on one event through `cargo lambda invoke`.

  invoke.py TRIGGER EVENT [--code CODE]

Every trigger but the custom senders is served by the local stack's `cargo lambda watch` (:9000)
and gets EVENT as it is. A custom sender's event carries an AWS Encryption SDK message in
`request.code`, which only a key in the local stack can make: the fixture's placeholder is
replaced, at invoke time, by CODE encrypted as Cognito does (format v1, the event's pool in the
encryption context) under the senders' KMS key that local/provision.py created in moto (its ARN
in .local/senders-key.arn) — the ciphertext depends on that key, so no fixture can hold it. The
senders link the Encryption SDK and are built apart (docs/build.md): custom-email-sender is served
by the stack's own senders' watch (:9002) when it runs; otherwise, and for custom-sms-sender,
this script starts a watch of that one package on a free port for the invoke and stops it after.
Local test material only; the code is printed nowhere.
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SENDERS = {"custom-email-sender", "custom-sms-sender"}
HOST = "127.0.0.1"
WATCH_PORT = 9000
SENDERS_WATCH_PORT = 9002
ENCRYPT_SCRIPT = ROOT / "crates/esdk-decryptor/src/encrypt_as_cognito.py"
POOL_CONTEXT_KEY = "userpool-id"


def serving(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((HOST, port)) == 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def fail(message: str) -> "None":
    print(f"invoke: {message}", file=sys.stderr)
    sys.exit(2)


def with_encrypted_code(event: dict, key_arn: str, code: str, python: str, moto: str) -> dict:
    """The event with `request.code` replaced by `code` encrypted under `key_arn` (a null code —
    the account-takeover notice — stays null: there is nothing to decrypt)."""
    request = event.get("request") or {}
    if not isinstance(request.get("code"), str):
        return event
    pool = event.get("userPoolId") or ""
    env = dict(os.environ, AWS_ENDPOINT_URL=moto, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
               AWS_REGION=os.environ.get("AWS_REGION", "us-east-1"))
    command = [python, str(ENCRYPT_SCRIPT), "--key-id", key_arn, "--plaintext", code, "--format", "v1",
               "--context", f"{POOL_CONTEXT_KEY}={pool}"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        fail(f"encrypting the code under the senders' key failed (is moto up? make local-status): {done.stderr.strip()}")
    return {**event, "request": {**request, "code": done.stdout.strip()}}


def start_watch(trigger: str, port: int, key_arn: str, venv_bin: str) -> subprocess.Popen:
    """`cargo lambda watch` of one package, in a session of its own (stopped as a group)."""
    command = ["cargo", "lambda", "watch", "--wait", "-A", HOST, "-P", str(port),
               "--env-file", str(ROOT / "local/functions.env"), "--env-var", f"KMS_KEY_ARN={key_arn}", "-p", trigger]
    env = dict(os.environ, PATH=f"{venv_bin}:{os.environ.get('PATH', '')}")
    log = open(ROOT / ".local" / f"invoke-{trigger}-watch.log", "w", encoding="utf-8")  # noqa: SIM115 (lives as long as the watch)
    watch = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + float(os.environ.get("INVOKE_WATCH_TIMEOUT", "900"))
    while not serving(port):
        if watch.poll() is not None or time.monotonic() > deadline:
            stop_watch(watch)
            fail(f"cargo lambda watch -p {trigger} did not start (see {log.name})")
        time.sleep(0.5)
    return watch


def stop_watch(watch: subprocess.Popen) -> None:
    if watch.poll() is None:
        os.killpg(watch.pid, signal.SIGTERM)
        try:
            watch.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(watch.pid, signal.SIGKILL)
            watch.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trigger")
    parser.add_argument("event", type=Path)
    parser.add_argument("--code", default=os.environ.get("CODE") or "123456",
                        help="the plaintext a custom sender's event carries, encrypted at invoke time")
    parser.add_argument("--state-dir", type=Path, default=ROOT / ".local")
    parser.add_argument("--moto", default="http://127.0.0.1:4566")
    parser.add_argument("--venv-bin", default=str(ROOT / "tools/venv/bin"))
    args = parser.parse_args()

    data_file = args.event
    port = WATCH_PORT
    watch = None
    if args.trigger in SENDERS:
        key_file = args.state_dir / "senders-key.arn"
        if not key_file.is_file() or not key_file.read_text().strip():
            fail(f"no senders' KMS key in {key_file}: start the local stack (make local-up)")
        key_arn = key_file.read_text().strip()
        event = json.loads(args.event.read_text(encoding="utf-8"))
        event = with_encrypted_code(event, key_arn, args.code, str(Path(args.venv_bin) / "python"), args.moto)
        data_file = args.state_dir / f"invoke-{args.trigger}.json"
        data_file.write_text(json.dumps(event), encoding="utf-8")
        if args.trigger == "custom-email-sender" and serving(SENDERS_WATCH_PORT):
            port = SENDERS_WATCH_PORT
        else:
            port = free_port()
            watch = start_watch(args.trigger, port, key_arn, args.venv_bin)
    command = ["cargo", "lambda", "invoke", "-A", HOST, "-P", str(port), "--data-file", str(data_file), args.trigger]
    env = dict(os.environ, PATH=f"{args.venv_bin}:{os.environ.get('PATH', '')}")
    try:
        return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode
    finally:
        if watch is not None:
            stop_watch(watch)
        if data_file != args.event:
            data_file.unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
