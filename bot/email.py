"""Email through an SMTP server (aiosmtplib): one outbox row, one message.

CLINICBOT_SMTP_URL says where: smtp://user:pass@host:port uses STARTTLS
whenever the server offers it (port 587 with credentials, else 25, by
default), smtps:// speaks TLS from the first byte (port 465). The letter's
text comes from core (core.messaging.mail); here it becomes a MIME message,
with the visit's calendar invite (core.messaging.ics) as invite.ics.

A refused recipient is a permanent failure with code "550", which closes
the address (core.messaging.delivery.UNREACHABLE) and sends the message on
the patient's next channel; other 5xx answers fail the message for good; 4xx
answers, a server that is down or slow, and refused credentials are retried.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from urllib.parse import unquote, urlparse

import aiosmtplib

from bot.sending import SEND_TIMEOUT, SendError
from core.clock import system_clock
from core.messaging import ics
from core.messaging.delivery import Outgoing
from core.settings import Settings

log = logging.getLogger(__name__)

REFUSED = "550"  # the code a refused recipient is recorded with
INVITE = "invite.ics"


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to send, from CLINICBOT_SMTP_URL."""

    hostname: str
    port: int
    username: str | None = None
    password: str | None = None
    use_tls: bool = False  # smtps://: TLS from the start

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        """smtp[s]://[user[:pass]@]host[:port]; user and pass may be %-encoded."""
        parsed = urlparse(url)
        implicit = parsed.scheme == "smtps"
        user = unquote(parsed.username) if parsed.username else None
        password = unquote(parsed.password) if parsed.password is not None else None
        default_port = 465 if implicit else (587 if user else 25)
        return cls(
            hostname=parsed.hostname or "localhost",
            port=parsed.port or default_port,
            username=user,
            password=password if user else None,
            use_tls=implicit,
        )


def invite_host(settings: Settings) -> str:
    """The host in every invite's UID: the public URL's, else 'clinicbot'."""
    return urlparse(settings.public_url).hostname or ics.DEFAULT_HOST


class EmailSender:
    """Sends one email per outbox row through the configured SMTP server."""

    channel = "email"

    def __init__(self, settings: Settings, *, clock=system_clock) -> None:
        self.server = SmtpServer.from_url(settings.smtp_url)
        # CLINICBOT_EMAIL_FROM may carry a name ("Clinic <noreply@...>").
        self._name, self._from = parseaddr(settings.email_from)
        self._domain = self._from.rpartition("@")[2] or ics.DEFAULT_HOST
        self._host = invite_host(settings)
        self._clock = clock

    def rate_keys(self, out: Outgoing) -> tuple[str, ...]:
        # SMTP relays limit an account as a whole, not per recipient.
        return ("email",)

    def message(self, out: Outgoing) -> EmailMessage:
        """The MIME message for a claimed email row (its text, and its invite)."""
        name = self._name or out.sender_name
        message = EmailMessage()
        message["From"] = formataddr((name, self._from)) if name else self._from
        message["To"] = out.address
        message["Subject"] = out.subject or name or "ClinicBot"
        message["Date"] = format_datetime(self._clock())
        message["Message-ID"] = make_msgid("clinicbot", domain=self._domain)
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies
        message.set_content(out.body, charset="utf-8")
        if out.visit is not None:
            calendar = ics.invite(
                out.visit,
                organizer=self._from,
                attendee=out.address,
                host=self._host,
                organizer_name=name,
            )
            message.add_attachment(
                calendar,
                subtype="calendar",
                charset="utf-8",
                filename=INVITE,
                params={"method": ics.method(out.visit)},
            )
        return message

    async def send(self, out: Outgoing) -> str:
        """Hand the message to the SMTP server; return its Message-ID."""
        message = self.message(out)
        server = self.server
        try:
            async with asyncio.timeout(SEND_TIMEOUT):
                await aiosmtplib.send(
                    message,
                    hostname=server.hostname,
                    port=server.port,
                    username=server.username,
                    password=server.password,
                    use_tls=server.use_tls,
                    # None: STARTTLS if the server offers it (never with smtps).
                    start_tls=False if server.use_tls else None,
                    timeout=SEND_TIMEOUT,
                )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise _refused(exc) from exc
        except aiosmtplib.SMTPAuthenticationError as exc:
            # Our credentials, not this message: keep it for fixed settings.
            log.error("the SMTP server refused our login: %s", exc.code)
            raise SendError(
                f"smtp {exc.code}: login refused", code=str(exc.code)
            ) from exc
        except aiosmtplib.SMTPSenderRefused as exc:
            # Our From address, not the patient's: also a setting to fix.
            log.error("the SMTP server refused our sender: %s", exc.code)
            raise SendError(
                f"smtp {exc.code}: sender refused", code=str(exc.code)
            ) from exc
        except aiosmtplib.SMTPResponseException as exc:
            permanent = 500 <= exc.code < 600
            raise SendError(
                f"smtp {exc.code}: {exc.message}",
                code=f"smtp-{exc.code}",
                permanent=permanent,
            ) from exc
        except (aiosmtplib.SMTPException, TimeoutError, OSError) as exc:
            # Down, unreachable, slow, or it dropped us: try again later.
            raise SendError(f"smtp: {exc!r}") from exc
        return message["Message-ID"]

    async def close(self) -> None:
        """Nothing stays open: each send has its own connection."""


def _refused(exc: aiosmtplib.SMTPRecipientsRefused) -> SendError:
    """A refused recipient: gone for good on 5xx, worth a retry on 4xx."""
    codes = [r.code for r in exc.recipients] or [550]
    if all(500 <= code < 600 for code in codes):
        return SendError(
            f"smtp {codes[0]}: recipient refused", code=REFUSED, permanent=True
        )
    return SendError(f"smtp {codes[0]}: recipient deferred", code=str(codes[0]))
