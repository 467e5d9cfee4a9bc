#!/usr/bin/env python3
"""Front of the local user pool: makes cognito-local call PreAuthentication as Cognito does.

cognito-local 5.3.0 never invokes the PreAuthentication trigger. This front listens where clients
expect the user pool (127.0.0.1:9229) and forwards every request unchanged to cognito-local
(127.0.0.1:9228), except two things it adds:

1. Before `InitiateAuth` with USER_PASSWORD_AUTH and `AdminInitiateAuth` with
   ADMIN_USER_PASSWORD_AUTH (X-Amz-Target AWSCognitoIdentityProviderService.*), it builds the
   PreAuthentication event as Cognito does (version, triggerSource
   PreAuthentication_Authentication, region, userPoolId, userName, callerContext,
   request.userAttributes from AdminGetUser, request.validationData from ClientMetadata) and
   invokes the `pre-authentication` function through the Lambda adapter (9001). A function error
   is answered as Cognito answers it: HTTP 400
   {"__type": "UserLambdaValidationException", "message": "PreAuthentication failed with error <message>."}
   and cognito-local is not asked. The user pool id comes from the app client (cognito-local's
   clients.json; AdminInitiateAuth names it). An unknown user name: Cognito runs the trigger for it
   only when the app client prevents user-existence errors (then with `userNotFound: true` and no
   attributes, keyed by the name typed); otherwise the request goes straight to cognito-local.
2. cognito-local answers a wrong password with InvalidPasswordException; Cognito says
   NotAuthorizedException "Incorrect username or password." The front rewrites that answer of the
   two sign-in calls.

It never logs request or response bodies (they carry passwords and tokens): one line per request
with the target, status and duration, and one per PreAuthentication call with its outcome.
Python standard library only.
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
from pathlib import Path

TARGET_PREFIX = "AWSCognitoIdentityProviderService."
# Sign-in calls and the password flows for which Cognito runs PreAuthentication (and the front does).
PASSWORD_FLOWS = {"InitiateAuth": "USER_PASSWORD_AUTH", "AdminInitiateAuth": "ADMIN_USER_PASSWORD_AUTH"}
HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
    "transfer-encoding", "upgrade", "content-length", "host", "date", "server",
}
AMZ_JSON = "application/x-amz-json-1.1"

log = logging.getLogger("auth-front")


class Denied(Exception):
    """The answer the client gets instead of cognito-local's: (status, __type, message)."""

    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(error_type)
        self.status, self.error_type, self.message = status, error_type, message


def target_of(headers) -> str:
    target = headers.get("X-Amz-Target", "")
    return target[len(TARGET_PREFIX):] if target.startswith(TARGET_PREFIX) else ""


def region_of(pool_id: str) -> str:
    """Cognito pool ids are <region>_<id>; cognito-local's are local_<id>."""
    return pool_id.split("_", 1)[0] if "_" in pool_id else "local"


def pre_authentication_event(pool_id: str, client_id: str, user_name: str, attributes: dict | None,
                             validation_data: dict | None) -> dict:
    """The event Cognito sends (see tests/fixtures/events/pre-authentication*.json)."""
    request: dict = {"userAttributes": attributes or {}, "validationData": validation_data or None}
    if attributes is None:
        request["userNotFound"] = True
    return {
        "version": "1",
        "triggerSource": "PreAuthentication_Authentication",
        "region": region_of(pool_id),
        "userPoolId": pool_id,
        "userName": user_name,
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": client_id},
        "request": request,
        "response": {},
    }


def wrong_password_as_cognito(status: int, body: bytes) -> bytes | None:
    """cognito-local's InvalidPasswordException, rewritten to Cognito's answer; None otherwise."""
    if status != 400:
        return None
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if isinstance(payload, dict) and payload.get("__type") == "InvalidPasswordException":
        return json.dumps({"__type": "NotAuthorizedException", "message": "Incorrect username or password."}).encode()
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "cognito-triggers-auth-front"
    # Set by main().
    upstream = ("127.0.0.1", 9228)
    lambda_endpoint = ("127.0.0.1", 9001)
    function = "pre-authentication"   # empty: PreAuthentication is not wired
    clients_file = Path(".local/cognito-local/.cognito/db/clients.json")
    timeout = 30.0

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return

    # ------------------------------------------------------------ plumbing
    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_error(self, error: Denied) -> None:
        body = json.dumps({"__type": error.error_type, "message": error.message}).encode()
        self._send(error.status, body, [("Content-Type", AMZ_JSON), ("x-amzn-ErrorType", error.error_type)])

    def _post(self, host_port: tuple[str, int], path: str, body: bytes, headers: dict) -> tuple[int, list, bytes]:
        conn = http.client.HTTPConnection(*host_port, timeout=self.timeout)
        try:
            conn.request("POST", path, body=body, headers=headers)
            resp = conn.getresponse()
            return resp.status, resp.getheaders(), resp.read()
        finally:
            conn.close()

    def _forward(self, body: bytes) -> tuple[int, list, bytes]:
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        conn = http.client.HTTPConnection(*self.upstream, timeout=self.timeout)
        try:
            conn.request(self.command, self.path, body=body if body or self.command == "POST" else None,
                         headers=headers)
            resp = conn.getresponse()
            return resp.status, resp.getheaders(), resp.read()
        finally:
            conn.close()

    def _cognito(self, target: str, payload: dict) -> tuple[int, dict]:
        """One call to cognito-local itself (AdminGetUser)."""
        status, _, answer = self._post(self.upstream, "/", json.dumps(payload).encode(),
                                       {"Content-Type": AMZ_JSON, "X-Amz-Target": TARGET_PREFIX + target})
        try:
            return status, json.loads(answer or b"{}")
        except ValueError:
            return status, {}

    # ------------------------------------------------------------ requests
    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        self._relay()

    def do_HEAD(self) -> None:  # noqa: N802
        self._relay()

    def do_OPTIONS(self) -> None:  # noqa: N802
        self._relay()

    def do_POST(self) -> None:  # noqa: N802
        self._relay()

    def _relay(self) -> None:
        started = time.monotonic()
        body = self._body()
        target = target_of(self.headers)
        note = ""
        try:
            if self.command == "POST" and target in PASSWORD_FLOWS:
                note = self._pre_authentication(target, body)
            status, headers, answer = self._forward(body)
        except Denied as denied:
            self._send_error(denied)
            log.info("%s %s -> %d %s (%s) duration_ms=%.0f", self.command, target or self.path, denied.status,
                     denied.error_type, note or "PreAuthentication denied", (time.monotonic() - started) * 1000)
            return
        except OSError as err:
            self._send_error(Denied(502, "ServiceException", f"auth front: cognito-local unreachable "
                                                             f"({err.__class__.__name__})"))
            log.info("%s %s -> 502 (cognito-local unreachable)", self.command, target or self.path)
            return
        if target in PASSWORD_FLOWS:
            rewritten = wrong_password_as_cognito(status, answer)
            if rewritten is not None:
                answer = rewritten
                note += " (InvalidPasswordException -> NotAuthorizedException)"
        kept = [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP]
        self._send(status, answer, kept)
        log.info("%s %s -> %d%s duration_ms=%.0f", self.command, target or self.path, status,
                 f" {note.strip()}" if note else "", (time.monotonic() - started) * 1000)

    # ------------------------------------------------------------ PreAuthentication
    def _app_client(self, client_id: str) -> dict:
        try:
            clients = json.loads(self.clients_file.read_text(encoding="utf-8")).get("Clients", {})
        except (OSError, ValueError):
            return {}
        client = clients.get(client_id)
        return client if isinstance(client, dict) else {}

    def _pre_authentication(self, target: str, body: bytes) -> str:
        """Runs the trigger before a password sign-in; raises Denied to answer the client instead."""
        if not self.function:
            return "PreAuthentication not wired"
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            return "body not JSON: forwarded"
        if not isinstance(request, dict) or request.get("AuthFlow") != PASSWORD_FLOWS[target]:
            return ""
        client_id = str(request.get("ClientId") or "")
        client = self._app_client(client_id)
        pool_id = str(request.get("UserPoolId") or client.get("UserPoolId") or "")
        typed = str((request.get("AuthParameters") or {}).get("USERNAME") or "")
        if not pool_id or not typed:
            return "no pool or user name: cognito-local answers"
        status, user = self._cognito("AdminGetUser", {"UserPoolId": pool_id, "Username": typed})
        if status == 200:
            attributes = {a.get("Name"): a.get("Value") for a in user.get("UserAttributes") or []}
            attributes["cognito:user_status"] = user.get("UserStatus", "")
            user_name = user.get("Username") or typed
        elif user.get("__type") == "UserNotFoundException":
            if client.get("PreventUserExistenceErrors") != "ENABLED":
                return "unknown user: cognito-local answers"
            attributes, user_name = None, typed
        else:
            raise Denied(500, "InternalErrorException", "auth front: AdminGetUser failed on cognito-local")
        event = pre_authentication_event(pool_id, client_id, user_name, attributes, request.get("ClientMetadata"))
        return self._invoke(event)

    def _invoke(self, event: dict) -> str:
        path = f"/2015-03-31/functions/{urllib.parse.quote(self.function, safe='')}/invocations"
        try:
            status, headers, answer = self._post(self.lambda_endpoint, path, json.dumps(event).encode(),
                                                 {"Content-Type": "application/json"})
        except (OSError, socket.timeout) as err:
            raise Denied(400, "UnexpectedLambdaException",
                         f"PreAuthentication invocation failed ({err.__class__.__name__}).") from None
        function_error = any(k.lower() == "x-amz-function-error" for k, _ in headers)
        if status == 200 and not function_error:
            return "PreAuthentication allowed"
        if status == 200:
            try:
                message = json.loads(answer).get("errorMessage", "")
            except (ValueError, AttributeError):
                message = ""
            raise Denied(400, "UserLambdaValidationException", f"PreAuthentication failed with error {message}.")
        raise Denied(400, "UnexpectedLambdaException", f"PreAuthentication invocation failed (HTTP {status}).")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9229)
    parser.add_argument("--upstream", default="http://127.0.0.1:9228", help="cognito-local")
    parser.add_argument("--lambda-endpoint", default="http://127.0.0.1:9001", help="the Lambda adapter")
    parser.add_argument("--function", default="pre-authentication",
                        help="PreAuthentication function name; empty: the trigger is not wired")
    parser.add_argument("--clients-file", type=Path, required=True, help="cognito-local's clients.json")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args(argv)

    def host_port(url: str, name: str) -> tuple[str, int]:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            parser.error(f"{name} must be an http:// URL, got {url!r}")
        return parts.hostname, parts.port or 80

    Handler.upstream = host_port(args.upstream, "--upstream")
    Handler.lambda_endpoint = host_port(args.lambda_endpoint, "--lambda-endpoint")
    Handler.function = args.function
    Handler.clients_file = args.clients_file
    Handler.timeout = args.timeout

    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    log.info("listening on http://%s:%d, cognito-local at %s, PreAuthentication -> %s", args.host, args.port,
             args.upstream, args.function or "(not wired)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
