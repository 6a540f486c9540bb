"""Staff "forgot password": a signed link by email that dies when the password changes.

The token is itsdangerous-signed (CLINICBOT_SECRET_KEY, a salt of its own)
over the staff id and a fingerprint of the current password hash, and
carries its time: it is good for VALID_FOR, and only until the password it
was made for changes, so using it once ends it. Nothing is stored for it.

Asking is rate limited (PER_ADDRESS emails to one login an hour, counted in
the message table; PER_CLIENT requests from one client address an hour,
counted by core.staff.throttle), and the caller answers every request with
the same words: whether a login exists, or a limit held, shows only here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

from itsdangerous import BadData, TimestampSigner
from itsdangerous.url_safe import URLSafeTimedSerializer

from core import audit
from core.clock import to_db
from core.messaging import outbox, texts
from core.models import Message, StaffUser
from core.staff import accounts, throttle
from core.storage.db import is_sqlite, write_transaction

log = logging.getLogger(__name__)

SALT = "clinicbot.staff.password-reset"
KIND = outbox.PASSWORD_RESET
VALID_FOR = dt.timedelta(minutes=30)
WINDOW = dt.timedelta(hours=1)
PER_ADDRESS = 3  # reset emails to one login per WINDOW
PER_CLIENT = 10  # requests from one client address per WINDOW, known or not


class _ClockSigner(TimestampSigner):
    """A TimestampSigner on the caller's clock (the console's, tests' fake one)."""

    def __init__(self, *args, now: float, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._now = int(now)

    def get_timestamp(self) -> int:
        return self._now


def _serializer(secret: str, now: dt.datetime) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        secret,
        salt=SALT,
        signer=_ClockSigner,
        signer_kwargs={"now": now.timestamp()},
    )


def fingerprint(password_hash: str) -> str:
    """A short digest of the hash: the token names the password it may replace."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def make_token(secret: str, user_id: int, password_hash: str, now: dt.datetime) -> str:
    return _serializer(secret, now).dumps([user_id, fingerprint(password_hash)])


def read_token(secret: str, token: str, now: dt.datetime) -> tuple[int, str] | None:
    """(staff id, fingerprint) of a good, unexpired token; None for any other."""
    try:
        payload = _serializer(secret, now).loads(
            token, max_age=int(VALID_FOR.total_seconds())
        )
    except BadData:  # bad signature, expired, from the future, not ours
        return None
    if (
        not isinstance(payload, list)
        or len(payload) != 2
        or type(payload[0]) is not int
        or not isinstance(payload[1], str)
    ):
        return None
    return payload[0], payload[1]


def _locked(query):
    # On SQLite, BEGIN IMMEDIATE already serialises; on PostgreSQL the row
    # lock makes two requests for one login (or two uses of one link) queue.
    return query if is_sqlite() else query.for_update()


def _login(**match) -> StaffUser | None:
    conditions = [getattr(StaffUser, k) == v for k, v in match.items()]
    query = StaffUser.select().where(*conditions, StaffUser.active == True)  # noqa: E712
    return _locked(query).first()


def _sent_lately(address: str, now: dt.datetime) -> int:
    return (
        Message.select(Message.id)
        .where(
            Message.created_at >= to_db(now - WINDOW),
            Message.kind == KIND,
            Message.address == address,
        )
        .count()
    )


@dataclass(frozen=True)
class Requested:
    """What became of a request (for the log; the page says the same either way)."""

    outcome: str  # queued | unknown | limited
    staff_id: int | None = None


LINK = "@@link@@"


def email_text(lang: str, link: str) -> str:
    """The email's text, in lang (English or Spanish), with the link."""
    # The link goes in after rendering: renders are cached by their values
    # (core.messaging.texts), and no cache may hold live links.
    minutes = int(VALID_FOR.total_seconds() // 60)
    text = texts.render(lang, "staff/password_reset", link=LINK, minutes=minutes)
    return text.replace(LINK, link)


def request_reset(
    email: str,
    client: str,
    now: dt.datetime,
    *,
    secret: str,
    base_url: str,
    lang: str = "en",
) -> Requested:
    """Queue a reset link by email if email names an active login within the limits.

    The same reads, the same signing and the same rendering run whether or
    not the login exists, so the answer takes as long either way.
    """
    email = email.strip().lower()
    with write_transaction():
        client_ok = throttle.count_reset_request(client, now, PER_CLIENT, WINDOW)
        user = _login(email=email)
        recent = _sent_lately(email, now)
        password_hash = user.password_hash if user else accounts.DUMMY_HASH
        token = make_token(secret, user.id if user else 0, password_hash, now)
        body = email_text(lang, f"{base_url.rstrip('/')}/password/reset/{token}")
        if user is None:
            return Requested("unknown")
        if not client_ok or recent >= PER_ADDRESS:
            return Requested("limited", user.id)
        # Urgent: quiet hours must not hold a link that lasts 30 minutes.
        outbox.enqueue(
            None,
            body,
            now=now,
            kind=KIND,
            urgent=True,
            channel="email",
            address=user.email,
        )
        audit.record(audit.SYSTEM, "staff.password_reset_requested", now, staff=user.id)
        return Requested("queued", user.id)


def check(secret: str, token: str, now: dt.datetime) -> int | None:
    """The staff id a link may set the password of now, or None."""
    read = read_token(secret, token, now)
    if read is None:
        return None
    user = StaffUser.get_or_none(StaffUser.id == read[0], StaffUser.active == True)  # noqa: E712
    if user is None or fingerprint(user.password_hash) != read[1]:
        return None
    return user.id


def reset(secret: str, token: str, new_hash: str, now: dt.datetime) -> int | None:
    """Set the password a good link names, ending every session; its staff id.

    None when the link is bad, expired or used: the password it was made
    for is checked again under the row's lock, so two uses cannot both win.
    """
    read = read_token(secret, token, now)
    if read is None:
        return None
    with write_transaction():
        user = _login(id=read[0])
        if user is None or fingerprint(user.password_hash) != read[1]:
            return None  # used already (the password changed), or deactivated
        accounts.set_password(user.id, new_hash, now)
        accounts.end_sessions(user.id)
        audit.record(audit.SYSTEM, "staff.password_reset_by_email", now, staff=user.id)
    log.info("staff %s set a new password from an emailed link", user.id)
    return user.id
