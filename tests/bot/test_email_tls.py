"""Email over TLS: STARTTLS when the server offers it, smtps:// from the first byte.

A real aiosmtpd server on loopback with a self-signed certificate, which the
client trusts through SSL_CERT_FILE as it would a clinic's own CA; the
sender keeps certificate checks on, so an untrusted server is refused.
"""

from __future__ import annotations

import pytest

from bot.email import EmailSender
from bot.sending import SendError
from core.messaging.delivery import Outgoing
from core.settings import Settings
from tests.smtp import self_signed, smtp_listening


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    return self_signed(tmp_path_factory.mktemp("tls"))


def mail(to: str = "ana@patients.example") -> Outgoing:
    return Outgoing(id=1, channel="email", address=to, body="Your visit is at 10:00.",
                    kind="reminder", subject="Reminder")  # fmt: skip


def sender(url: str) -> EmailSender:
    return EmailSender(Settings(demo=True, smtp_url=url, email_from="c@clinic.test"))


@pytest.mark.parametrize("tls", ["starttls", "implicit"])
async def test_mail_goes_over_tls_with_the_login(tls, certificate, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    with smtp_listening(tls=tls, certificate=certificate) as server:
        url = server.url if tls == "starttls" else server.url.replace("smtp", "smtps")
        message_id = await sender(url).send(mail())
        [received] = server.envelopes
    assert received.login == "mailer"  # the login went over the encrypted link
    assert received.rcpt_tos == ["ana@patients.example"]
    assert received.message["Message-ID"] == message_id


async def test_an_untrusted_certificate_is_refused_and_retried(
    certificate, monkeypatch, tmp_path
):
    """Certificates are checked: a server we cannot verify gets no login or mail."""
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "no-such-ca.pem"))
    with smtp_listening(tls="implicit", certificate=certificate) as server:
        url = server.url.replace("smtp", "smtps")
        with pytest.raises(SendError) as refused:
            await sender(url).send(mail())
        assert server.envelopes == []
    assert not refused.value.permanent  # a fixed certificate lets it go later


async def test_a_server_requiring_starttls_gets_it_unasked(certificate, monkeypatch):
    """smtp:// upgrades when offered; the server here refuses MAIL without it."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    with smtp_listening(user=None, tls="starttls", certificate=certificate) as server:
        await sender(server.url).send(mail())
        assert len(server.messages) == 1
