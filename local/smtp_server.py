"""The local SMTP server: aiosmtpd with STARTTLS and AUTH, for custom-email-sender's SMTP provider.

Usage (local/stack.sh starts it): smtp_server.py --host 127.0.0.1 --port 9025 --state-dir .local/smtp

- TLS: a throwaway CA and a server certificate for 127.0.0.1 and localhost, made on first start in
  the state dir (ca.pem, server.pem, server.key) with `cryptography` and kept across restarts, so
  that a function already warm keeps trusting it. The senders' watch trusts ca.pem through
  SSL_CERT_FILE; nothing else does.
- STARTTLS is required before MAIL, and AUTH (PLAIN or LOGIN, only over TLS) before MAIL too, with
  the fixed local login below (local/provision.py stores it in moto's Secrets Manager).
- Recipients at refused.example are refused with 550 (a permanent refusal, for the tests).
- Every message accepted is written twice: raw into the maildir (maildir/new, for people) and as
  one JSON line in messages.jsonl (envelope, headers, decoded text and HTML, whether the session
  was TLS and who authenticated), which the tests read (trigger_core::testing::smtp_messages_to).
"""

from __future__ import annotations

import argparse
import datetime
import ipaddress
import json
import mailbox
import pathlib
import signal
import ssl
import threading
from email import policy
from email.parser import BytesParser

# The local login (not a secret: local only, like moto's "test" credentials).
LOCAL_USERNAME = "cognito-triggers"
LOCAL_PASSWORD = "local-smtp-password"
REFUSED_DOMAIN = "refused.example"


def make_certificates(state: pathlib.Path) -> None:
    """ca.pem, server.pem, server.key in `state`, unless they are there already."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    ca_file, cert_file, key_file = state / "ca.pem", state / "server.pem", state / "server.key"
    if ca_file.exists() and cert_file.exists() and key_file.exists():
        return
    now = datetime.datetime.now(datetime.timezone.utc)
    validity = (now - datetime.timedelta(days=1), now + datetime.timedelta(days=3650))

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cognito-triggers local SMTP CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(validity[0])
        .not_valid_after(validity[1])
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(validity[0])
        .not_valid_after(validity[1])
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    state.mkdir(parents=True, exist_ok=True)
    key_file.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key_file.chmod(0o600)
    cert_file.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))


def body_of(message, subtype: str) -> str | None:
    part = message.get_body(preferencelist=(subtype,))
    return None if part is None else part.get_content()


class Recorder:
    """aiosmtpd handler: refuses recipients at REFUSED_DOMAIN, records every accepted message."""

    def __init__(self, state: pathlib.Path) -> None:
        self.maildir = mailbox.Maildir(state / "maildir", create=True)
        self.journal = state / "messages.jsonl"
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd's name)
        if address.lower().endswith("@" + REFUSED_DOMAIN):
            return "550 5.1.1 Recipient address rejected: no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        raw = envelope.original_content or envelope.content
        message = BytesParser(policy=policy.default).parsebytes(raw)
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "from": str(message["From"] or ""),
            "to": str(message["To"] or ""),
            "subject": str(message["Subject"] or ""),
            "message_id": str(message["Message-ID"] or ""),
            "text": body_of(message, "plain"),
            "html": body_of(message, "html"),
            "tls": session.ssl is not None,
            "authenticated_as": session.auth_data if session.authenticated else None,
        }
        with self.lock:
            self.maildir.add(raw)
            with self.journal.open("a", encoding="utf-8") as journal:
                journal.write(json.dumps(record) + "\n")
        return "250 2.0.0 Message accepted for delivery"


def authenticator(server, session, envelope, mechanism, auth_data):
    from aiosmtpd.smtp import AuthResult, LoginPassword

    if mechanism not in ("PLAIN", "LOGIN") or not isinstance(auth_data, LoginPassword):
        return AuthResult(success=False, handled=False)
    ok = auth_data.login == LOCAL_USERNAME.encode() and auth_data.password == LOCAL_PASSWORD.encode()
    # handled=False: aiosmtpd answers a failure with 535 itself (handled=True would send nothing).
    return AuthResult(success=ok, handled=False, auth_data=LOCAL_USERNAME if ok else None)


def main(argv: list[str] | None = None) -> int:
    from aiosmtpd.controller import Controller

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9025)
    parser.add_argument("--state-dir", required=True, type=pathlib.Path)
    args = parser.parse_args(argv)

    state = args.state_dir
    state.mkdir(parents=True, exist_ok=True)
    make_certificates(state)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(state / "server.pem", state / "server.key")

    controller = Controller(
        Recorder(state),
        hostname=args.host,
        port=args.port,
        server_hostname="localhost",
        ident="cognito-triggers local SMTP",
        tls_context=tls,
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=True,
    )
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    controller.start()
    print(f"smtp: listening on {args.host}:{args.port} (STARTTLS, AUTH), messages in {state}", flush=True)
    stopped.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
