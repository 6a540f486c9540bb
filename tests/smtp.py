"""A real SMTP server on loopback (aiosmtpd) that keeps every message it accepts.

    with smtp_listening() as server:        # or the `smtp_server` fixture
        settings = Settings(..., smtp_url=server.url, email_from="clinic@x.org")
        ...
        [message] = server.messages          # email.message.EmailMessage
        server.envelopes[0].rcpt_tos         # what the client said in RCPT TO

It asks for a login (AUTH PLAIN/LOGIN without TLS: loopback only) unless
user is None, and answers RCPT TO for the addresses in `refused` with 550
(no such user) and for those in `deferred` with 450 (try again later).
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import quote

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Received:
    """What the client sent: the envelope and the message as parsed."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    login: str | None


@dataclass
class SmtpServer:
    """The recording handler and what a client needs to reach it."""

    user: str | None = "mailer"
    password: str = "secret"
    refused: set[str] = field(default_factory=set)
    deferred: set[str] = field(default_factory=set)
    port: int = 0
    received: list[Received] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        """smtp://user:pass@127.0.0.1:PORT (user and pass %-encoded)."""
        if self.user is None:
            return f"smtp://{HOST}:{self.port}"
        login = f"{quote(self.user, safe='')}:{quote(self.password, safe='')}"
        return f"smtp://{login}@{HOST}:{self.port}"

    @property
    def messages(self) -> list[EmailMessage]:
        with self._lock:
            return [r.message for r in self.received]

    @property
    def envelopes(self) -> list[Received]:
        with self._lock:
            return list(self.received)

    # aiosmtpd calls these on its own thread and event loop.

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and self.user is not None
            and auth_data.login.decode() == self.user
            and auth_data.password.decode() == self.password
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.user is not None and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in {a.lower() for a in self.refused}:
            return "550 5.1.1 No such user here"
        if address.lower() in {a.lower() for a in self.deferred}:
            return "450 4.2.1 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope: Envelope):
        message = BytesParser(policy=policy.default).parsebytes(
            envelope.original_content or envelope.content
        )
        login = session.auth_data.login.decode() if session.authenticated else None
        with self._lock:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), message, login)
            )
        return "250 Message accepted for delivery"


def free_port() -> int:
    """A loopback port nobody listens on (now)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def self_signed(directory: Path) -> tuple[Path, Path]:
    """(certificate, key) for 127.0.0.1, made with the openssl command."""
    cert, key = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@contextlib.contextmanager
def smtp_listening(
    user: str | None = "mailer",
    password: str = "secret",
    port: int | None = None,
    *,
    tls: str | None = None,
    certificate: tuple[Path, Path] | None = None,
) -> Iterator[SmtpServer]:
    """An SMTP server on loopback (a free port unless given) for the block.

    tls: None (plain), "starttls" (offered, and required before MAIL) or
    "implicit" (smtps: TLS from the first byte), with certificate.
    """
    recorder = SmtpServer(user=user, password=password, port=port or free_port())
    context = None
    if tls is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*map(str, certificate))
    controller = Controller(
        recorder,
        hostname=HOST,
        port=recorder.port,
        authenticator=recorder.authenticate,
        # AUTH without TLS, on loopback only. (auth_required would warn about
        # that; handle_MAIL refuses an unauthenticated sender instead.)
        auth_require_tls=False,
        enable_SMTPUTF8=True,
        tls_context=context if tls == "starttls" else None,
        require_starttls=tls == "starttls",
        ssl_context=context if tls == "implicit" else None,
    )
    controller.start()
    try:
        yield recorder
    finally:
        controller.stop()
