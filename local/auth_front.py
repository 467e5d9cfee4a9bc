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
3. cognito-local has no custom authentication. When the three custom-auth functions are wired
   (--define-function, --create-function, --verify-function), the front runs the CUSTOM_AUTH flow
   of `InitiateAuth` and `RespondToAuthChallenge` itself, as Cognito does:
   InitiateAuth (AuthFlow CUSTOM_AUTH) -> PreAuthentication -> DefineAuthChallenge ->
   CreateAuthChallenge -> the challenge to the client (ChallengeName CUSTOM_CHALLENGE, Session,
   ChallengeParameters = the public parameters + USERNAME); RespondToAuthChallenge ->
   VerifyAuthChallengeResponse -> DefineAuthChallenge -> the next challenge, or
   NotAuthorizedException, or the tokens. Sessions (the rounds so far, the private parameters of
   the current one) are kept here, one use each, for 3 minutes (Cognito's default
   AuthSessionValidity). An unknown user name walks the flow with `userNotFound: true` when the
   client prevents user-existence errors, else gets UserNotFoundException. The tokens come from
   cognito-local itself: the front reads the user's password from cognito-local's own user-pool
   file (<db dir>/<pool id>.json, beside clients.json; cognito-local keeps passwords in the clear)
   and signs in with USER_PASSWORD_AUTH on cognito-local directly, so cognito-local issues real
   tokens and runs PostAuthentication and PreTokenGeneration as Cognito does after a custom
   sign-in. A local stand-in only: nothing like it exists in Cognito. AdminInitiateAuth with
   CUSTOM_AUTH is not handled (forwarded; cognito-local refuses it).

It never logs request or response bodies (they carry passwords and tokens): one line per request
with the target, status and duration, and one per PreAuthentication call with its outcome.
Python standard library only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import secrets
import socket
import sys
import threading
import time
import urllib.parse
import uuid
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
CUSTOM_CHALLENGE = "CUSTOM_CHALLENGE"
# Cognito's default AuthSessionValidity (3 minutes).
SESSION_SECONDS = 180
NOT_AUTHORIZED = "Incorrect username or password."

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


def custom_auth_event(source: str, pool_id: str, client_id: str, user_name: str, attributes: dict | None,
                      request: dict) -> dict:
    """A custom-auth trigger event (see tests/fixtures/events/*-auth-challenge*.json)."""
    full = {"userAttributes": attributes or {}, **request}
    if attributes is None:
        full["userNotFound"] = True
    return {
        "version": "1",
        "triggerSource": source,
        "region": region_of(pool_id),
        "userPoolId": pool_id,
        "userName": user_name,
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": client_id},
        "request": full,
        "response": {},
    }


class Sessions:
    """Custom-auth sessions: opaque id -> state, each id good for one answer, for SESSION_SECONDS."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sessions: dict[str, tuple[float, dict]] = {}

    def open(self, state: dict) -> str:
        session = secrets.token_urlsafe(48)
        now = time.monotonic()
        with self._lock:
            self._sessions = {k: v for k, v in self._sessions.items() if v[0] > now}
            self._sessions[session] = (now + SESSION_SECONDS, state)
        return session

    def take(self, session: str) -> dict | None:
        with self._lock:
            entry = self._sessions.pop(session, None)
        return entry[1] if entry and entry[0] > time.monotonic() else None


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
    # The custom-auth functions: all three, or CUSTOM_AUTH is forwarded to cognito-local.
    define_function = ""
    create_function = ""
    verify_function = ""
    sessions = Sessions()
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
            custom = self._custom_auth(target, body) if self.command == "POST" else None
            if custom is not None:
                status, payload, note = custom
                headers = [("Content-Type", AMZ_JSON)]
                if status != 200:
                    headers.append(("x-amzn-ErrorType", str(payload.get("__type", ""))))
                self._send(status, json.dumps(payload).encode(), headers)
                log.info("%s %s -> %d %s duration_ms=%.0f", self.command, target, status, note,
                         (time.monotonic() - started) * 1000)
                return
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
        self._call(self.function, "PreAuthentication", event)
        return "PreAuthentication allowed"

    def _call(self, function: str, trigger: str, event: dict) -> dict:
        """Invokes one function through the adapter; its answer, or Denied as Cognito answers an error."""
        path = f"/2015-03-31/functions/{urllib.parse.quote(function, safe='')}/invocations"
        try:
            status, headers, answer = self._post(self.lambda_endpoint, path, json.dumps(event).encode(),
                                                 {"Content-Type": "application/json"})
        except (OSError, socket.timeout) as err:
            raise Denied(400, "UnexpectedLambdaException",
                         f"{trigger} invocation failed ({err.__class__.__name__}).") from None
        function_error = any(k.lower() == "x-amz-function-error" for k, _ in headers)
        try:
            payload = json.loads(answer or b"{}")
        except ValueError:
            payload = None
        if status == 200 and not function_error:
            if not isinstance(payload, dict) or not isinstance(payload.get("response"), dict):
                raise Denied(400, "InvalidLambdaResponseException", "Unrecognizable lambda output")
            return payload
        if status == 200:
            message = payload.get("errorMessage", "") if isinstance(payload, dict) else ""
            raise Denied(400, "UserLambdaValidationException", f"{trigger} failed with error {message}.")
        raise Denied(400, "UnexpectedLambdaException", f"{trigger} invocation failed (HTTP {status}).")

    # ------------------------------------------------------------ CUSTOM_AUTH
    def _custom_auth(self, target: str, body: bytes) -> tuple[int, dict, str] | None:
        """The CUSTOM_AUTH flow, when wired: (status, answer, log note), or None to forward."""
        if not (self.define_function and self.create_function and self.verify_function):
            return None
        if target not in ("InitiateAuth", "RespondToAuthChallenge"):
            return None
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            return None
        if not isinstance(request, dict):
            return None
        try:
            if target == "InitiateAuth":
                if request.get("AuthFlow") != "CUSTOM_AUTH":
                    return None
                return self._initiate_custom(request)
            if request.get("ChallengeName") != CUSTOM_CHALLENGE:
                return None
            return self._respond_custom(request)
        except Denied as denied:
            return denied.status, {"__type": denied.error_type, "message": denied.message}, denied.error_type

    def _initiate_custom(self, request: dict) -> tuple[int, dict, str]:
        client_id = str(request.get("ClientId") or "")
        client = self._app_client(client_id)
        pool_id = str(client.get("UserPoolId") or "")
        typed = str((request.get("AuthParameters") or {}).get("USERNAME") or "")
        if not pool_id:
            raise Denied(400, "ResourceNotFoundException", "User pool client does not exist.")
        if not typed:
            raise Denied(400, "InvalidParameterException", "Missing required parameter USERNAME")
        status, user = self._cognito("AdminGetUser", {"UserPoolId": pool_id, "Username": typed})
        if status == 200:
            attributes = {a.get("Name"): a.get("Value") for a in user.get("UserAttributes") or []}
            attributes["cognito:user_status"] = user.get("UserStatus", "")
            user_name = user.get("Username") or typed
        elif user.get("__type") == "UserNotFoundException":
            if client.get("PreventUserExistenceErrors") != "ENABLED":
                raise Denied(400, "UserNotFoundException", "User does not exist.")
            attributes, user_name = None, typed
        else:
            raise Denied(500, "InternalErrorException", "auth front: AdminGetUser failed on cognito-local")
        # The USERNAME the client is shown: the pool's own name for the user, which in a pool that
        # signs in by e-mail is a generated id, never the address typed. An unknown name is shown
        # an id of the same shape, or the answer would tell which addresses have accounts.
        shown = user_name if attributes is not None or "@" not in typed else str(uuid.uuid4())
        metadata = request.get("ClientMetadata") or {}
        if self.function:
            self._invoke(pre_authentication_event(pool_id, client_id, user_name, attributes, metadata or None))
        state = {"pool_id": pool_id, "client_id": client_id, "user_name": user_name, "shown_name": shown,
                 "attributes": attributes, "client_metadata": metadata, "rounds": []}
        return self._next_step(state, "InitiateAuth CUSTOM_AUTH")

    def _respond_custom(self, request: dict) -> tuple[int, dict, str]:
        state = self.sessions.take(str(request.get("Session") or ""))
        if state is None or state.get("client_id") != str(request.get("ClientId") or ""):
            raise Denied(400, "NotAuthorizedException", "Invalid session for the user, session is expired.")
        responses = request.get("ChallengeResponses") or {}
        metadata = request.get("ClientMetadata") or state["client_metadata"]
        verify = custom_auth_event(
            "VerifyAuthChallengeResponse_Authentication", state["pool_id"], state["client_id"], state["user_name"],
            state["attributes"], {"privateChallengeParameters": state["private"],
                                  "challengeAnswer": str(responses.get("ANSWER") or ""), "clientMetadata": metadata})
        correct = self._call(self.verify_function, "VerifyAuthChallengeResponse", verify)["response"].get("answerCorrect")
        state["rounds"].append({"challengeName": CUSTOM_CHALLENGE, "challengeResult": correct is True,
                                "challengeMetadata": state.get("metadata")})
        state["client_metadata"] = metadata
        return self._next_step(state, f"RespondToAuthChallenge round {len(state['rounds'])}")

    def _next_step(self, state: dict, what: str) -> tuple[int, dict, str]:
        """DefineAuthChallenge on the rounds so far, then the tokens, a failure or the next challenge."""
        common = (state["pool_id"], state["client_id"], state["user_name"], state["attributes"])
        define = custom_auth_event("DefineAuthChallenge_Authentication", *common,
                                   {"session": state["rounds"], "clientMetadata": state["client_metadata"]})
        decided = self._call(self.define_function, "DefineAuthChallenge", define)["response"]
        if decided.get("failAuthentication") is True:
            raise Denied(400, "NotAuthorizedException", NOT_AUTHORIZED)
        if decided.get("issueTokens") is True:
            if state["attributes"] is None:
                raise Denied(400, "NotAuthorizedException", NOT_AUTHORIZED)
            return self._tokens(state, what)
        if decided.get("challengeName") != CUSTOM_CHALLENGE:
            raise Denied(400, "InvalidLambdaResponseException", "Unrecognizable lambda output")
        create = custom_auth_event("CreateAuthChallenge_Authentication", *common,
                                   {"challengeName": CUSTOM_CHALLENGE, "session": state["rounds"],
                                    "clientMetadata": state["client_metadata"]})
        made = self._call(self.create_function, "CreateAuthChallenge", create)["response"]
        state["private"] = made.get("privateChallengeParameters") or {}
        state["metadata"] = made.get("challengeMetadata")
        public = {str(k): str(v) for k, v in (made.get("publicChallengeParameters") or {}).items()}
        session = self.sessions.open(state)
        answer = {"ChallengeName": CUSTOM_CHALLENGE, "Session": session,
                  "ChallengeParameters": {**public, "USERNAME": state["shown_name"]}}
        return 200, answer, f"{what}: challenge round {len(state['rounds']) + 1}"

    def _tokens(self, state: dict, what: str) -> tuple[int, dict, str]:
        """cognito-local's own tokens for the user: USER_PASSWORD_AUTH with its stored password."""
        pool_file = self.clients_file.parent / f"{state['pool_id']}.json"
        try:
            users = json.loads(pool_file.read_text(encoding="utf-8")).get("Users", {})
        except (OSError, ValueError):
            users = {}
        user = users.get(state["user_name"]) if isinstance(users, dict) else None
        password = user.get("Password") if isinstance(user, dict) else None
        if not password:
            raise Denied(500, "InternalErrorException", "auth front: the user has no password in cognito-local to sign in with")
        status, answer = self._cognito("InitiateAuth", {
            "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": state["client_id"],
            "AuthParameters": {"USERNAME": state["user_name"], "PASSWORD": password},
        })
        if status != 200 or "AuthenticationResult" not in answer:
            error = answer.get("__type") or "InternalErrorException"
            raise Denied(status if status != 200 else 500, error, answer.get("message") or "auth front: no tokens from cognito-local")
        return 200, {"ChallengeParameters": {}, "AuthenticationResult": answer["AuthenticationResult"]}, f"{what}: tokens"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9229)
    parser.add_argument("--upstream", default="http://127.0.0.1:9228", help="cognito-local")
    parser.add_argument("--lambda-endpoint", default="http://127.0.0.1:9001", help="the Lambda adapter")
    parser.add_argument("--function", default="pre-authentication",
                        help="PreAuthentication function name; empty: the trigger is not wired")
    parser.add_argument("--define-function", default="", help="DefineAuthChallenge function; empty: CUSTOM_AUTH not run here")
    parser.add_argument("--create-function", default="", help="CreateAuthChallenge function")
    parser.add_argument("--verify-function", default="", help="VerifyAuthChallengeResponse function")
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
    Handler.define_function = args.define_function
    Handler.create_function = args.create_function
    Handler.verify_function = args.verify_function
    Handler.clients_file = args.clients_file
    Handler.timeout = args.timeout

    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    custom = "/".join(f for f in (args.define_function, args.create_function, args.verify_function) if f)
    log.info("listening on http://%s:%d, cognito-local at %s, PreAuthentication -> %s, CUSTOM_AUTH -> %s", args.host,
             args.port, args.upstream, args.function or "(not wired)", custom or "(not wired)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
