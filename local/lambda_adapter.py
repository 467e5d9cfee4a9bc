#!/usr/bin/env python3
"""Lambda Invoke endpoint for cognito-local, in front of `cargo lambda watch`.

cognito-local calls the Lambda Invoke API (POST /2015-03-31/functions/<name>/invocations).
`cargo lambda watch` serves that path too, but answers a function error with HTTP 500 and
{"errorType", "errorMessage"}, where real Lambda answers HTTP 200 with the header
`X-Amz-Function-Error: Unhandled` and the same body. With watch's answer, cognito-local's SDK
sees a server error and reports UnexpectedLambdaExceptionException; with Lambda's answer it
reports `UserLambdaValidationException: <Trigger> failed with error <message>.` as Cognito does.

This adapter forwards each invoke to watch and rewrites only that error answer; every other
answer passes through unchanged. A function name given as an ARN (or with a qualifier) is
reduced to the plain name, which is all watch knows.

It never logs request or response bodies (they carry passwords and codes): one line per
request with method, function name, status and duration. Python standard library only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import socket
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

INVOKE_PREFIX = "/2015-03-31/functions/"
INVOKE_SUFFIX = "/invocations"
# Request headers of the Invoke API worth passing on; everything else (auth, host) is local.
FORWARDED_REQUEST_HEADERS = (
    "Content-Type",
    "X-Amz-Invocation-Type",
    "X-Amz-Log-Type",
    "X-Amz-Client-Context",
)
# Not copied from watch's answer: hop-by-hop headers, and the ones this server sets itself.
NOT_COPIED = {
    "date",
    "server",
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "content-length",
}
# Cognito gives a synchronous trigger 5 seconds; say so in the log when a call takes longer.
COGNITO_TRIGGER_BUDGET_S = 5.0

log = logging.getLogger("lambda-adapter")


def function_name(raw: str) -> str:
    """Plain function name from a path segment that may be a name, name:qualifier,
    account:function:name[:qualifier] or a full ARN (URL-encoded or not)."""
    name = urllib.parse.unquote(raw)
    if ":function:" in name:
        name = name.split(":function:", 1)[1]
    return name.split(":", 1)[0]


def lambda_error_payload(status: int, body: bytes) -> bool:
    """True for watch's answer to a function error: HTTP 500 with {errorType, errorMessage}."""
    if status != 500:
        return False
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(payload, dict) and "errorMessage" in payload and "errorType" in payload


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "cognito-triggers-lambda-adapter"
    # Set by main().
    upstream_host = "127.0.0.1"
    upstream_port = 9000
    upstream_timeout = 30.0
    # Function name -> (host, port) of the watch that serves it, for functions not on the default one.
    routes: dict[str, tuple[str, int]] = {}

    # The default handler logs every request line to stderr; we log our own line instead.
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size_line = self.rfile.readline()
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    # Trailers (if any) end with an empty line.
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_json(self, status: int, payload: dict, extra: list[tuple[str, str]] = ()) -> None:
        headers = [("Content-Type", "application/json")]
        headers.extend(extra)
        self._send(status, json.dumps(payload).encode(), headers)

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        # Health check for `make local-up` / `make local-status`.
        if self.path in ("/", "/health"):
            self._send_json(200, {"status": "ok", "upstream": f"http://{self.upstream_host}:{self.upstream_port}"})
            return
        self._send_json(404, {"message": "not found"})

    def do_POST(self) -> None:  # noqa: N802
        started = time.monotonic()
        path = urllib.parse.urlsplit(self.path).path
        if not (path.startswith(INVOKE_PREFIX) and path.endswith(INVOKE_SUFFIX)):
            self._read_body()
            self._send_json(404, {"message": "only POST /2015-03-31/functions/<name>/invocations is served"},
                            [("x-amzn-ErrorType", "ResourceNotFoundException")])
            log.info("POST (not an invoke path) -> 404")
            return
        name = function_name(path[len(INVOKE_PREFIX):-len(INVOKE_SUFFIX)])
        body = self._read_body()
        headers = {k: self.headers[k] for k in FORWARDED_REQUEST_HEADERS if self.headers.get(k)}
        headers.setdefault("Content-Type", "application/json")

        status, rewritten = self._forward(name, body, headers)
        elapsed = time.monotonic() - started
        note = ""
        if rewritten:
            note = " (function error: 500 -> 200 + X-Amz-Function-Error: Unhandled)"
        if elapsed > COGNITO_TRIGGER_BUDGET_S:
            note += f" (over Cognito's {COGNITO_TRIGGER_BUDGET_S:.0f} s trigger budget)"
        log.info("POST invoke function=%s status=%d duration_ms=%.0f%s", name, status, elapsed * 1000, note)

    def _forward(self, name: str, body: bytes, headers: dict[str, str]) -> tuple[int, bool]:
        """Send the invoke to watch, answer the client; return (status sent, error rewritten)."""
        target = f"{INVOKE_PREFIX}{urllib.parse.quote(name, safe='')}{INVOKE_SUFFIX}"
        host, port = self.routes.get(name, (self.upstream_host, self.upstream_port))
        conn = http.client.HTTPConnection(host, port, timeout=self.upstream_timeout)
        try:
            conn.request("POST", target, body=body, headers=headers)
            resp = conn.getresponse()
            answer = resp.read()
            status = resp.status
            resp_headers = [(k, v) for k, v in resp.getheaders() if k.lower() not in NOT_COPIED]
        except (socket.timeout, TimeoutError):
            # Real Lambda reports a function timeout as a function error, not an HTTP error.
            payload = {
                "errorType": "Sandbox.Timedout",
                "errorMessage": f"Task timed out after {self.upstream_timeout:.2f} seconds",
            }
            self._send_json(200, payload, [("X-Amz-Function-Error", "Unhandled")])
            return 200, True
        except OSError as err:
            # watch is not running: answer as a Lambda service error (the SDK maps it to an exception).
            self._send_json(
                502,
                {"message": f"lambda adapter: cannot reach cargo lambda watch on "
                            f"{host}:{port}: {err.__class__.__name__}"},
                [("x-amzn-ErrorType", "ServiceException")],
            )
            return 502, False
        finally:
            conn.close()

        if lambda_error_payload(status, answer):
            kept = [(k, v) for k, v in resp_headers if k.lower() != "content-type"]
            kept.append(("Content-Type", "application/json"))
            kept.append(("X-Amz-Function-Error", "Unhandled"))
            self._send(200, answer, kept)
            return 200, True
        self._send(status, answer, resp_headers)
        return status, False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=9001, help="port to listen on (default 9001)")
    parser.add_argument("--upstream", default="http://127.0.0.1:9000",
                        help="cargo lambda watch base URL (default http://127.0.0.1:9000)")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="seconds to wait for watch's answer (default 30; a first invoke may start the process)")
    parser.add_argument("--route", action="append", default=[], metavar="FUNCTION=URL",
                        help="serve FUNCTION from another watch (repeatable), e.g. custom-email-sender=http://127.0.0.1:9002")
    args = parser.parse_args(argv)

    for route in args.route:
        name, _, url = route.partition("=")
        target = urllib.parse.urlsplit(url)
        if not name or target.scheme != "http" or not target.hostname:
            parser.error(f"--route must be FUNCTION=http://host:port, got {route!r}")
        Handler.routes[name] = (target.hostname, target.port or 80)
    upstream = urllib.parse.urlsplit(args.upstream)
    if upstream.scheme != "http" or not upstream.hostname:
        parser.error(f"--upstream must be an http:// URL, got {args.upstream!r}")
    Handler.upstream_host = upstream.hostname
    Handler.upstream_port = upstream.port or 80
    Handler.upstream_timeout = args.timeout

    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    log.info("listening on http://%s:%d, forwarding to %s (timeout %.0f s)%s",
             args.host, args.port, args.upstream, args.timeout,
             "".join(f"; {n} to {h}:{p}" for n, (h, p) in Handler.routes.items()))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
