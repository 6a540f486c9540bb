"""Signed session cookies (itsdangerous) that expire after inactivity.

The cookie carries no secrets a user could misuse: the staff id, a stamp of
their password change time and logout epoch (so either ends the session),
and the session's CSRF token. The signature's timestamp comes from the
app's clock, so expiry is testable without waiting.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from aiohttp import web
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner
from itsdangerous.url_safe import URLSafeTimedSerializer

from core.clock import Clock

COOKIE = "clinicbot_session"
SALT = "clinicbot.console.session"  # a namespace: this key signs nothing else here
IDLE = dt.timedelta(hours=1)  # signed out after this long without a request
REFRESH = dt.timedelta(minutes=2)  # re-sign at most this often (sliding expiry)


@dataclass(frozen=True)
class Session:
    csrf: str
    user_id: int | None = None
    stamp: str = ""
    issued: dt.datetime | None = None  # when the cookie was last signed

    def to_payload(self) -> dict:
        return {"c": self.csrf, "u": self.user_id, "s": self.stamp}


def new_session(user_id: int | None = None, stamp: str = "") -> Session:
    """A fresh session with a fresh CSRF token (login rotates both)."""
    return Session(csrf=secrets.token_urlsafe(24), user_id=user_id, stamp=stamp)


class SessionCodec:
    """Signs and reads session payloads with the app's secret and clock."""

    def __init__(self, secret_key: str, clock: Clock) -> None:
        self._clock = clock

        class ClockSigner(TimestampSigner):
            def get_timestamp(self) -> int:
                return int(clock().timestamp())

        self._serializer = URLSafeTimedSerializer(
            secret_key, salt=SALT, signer=ClockSigner
        )

    def dumps(self, session: Session) -> str:
        return self._serializer.dumps(session.to_payload())

    def loads(self, token: str) -> Session | None:
        """The session in a cookie, or None if forged, garbled or idle too long."""
        try:
            payload, issued = self._serializer.loads(
                token, max_age=IDLE.total_seconds(), return_timestamp=True
            )
        except (BadSignature, SignatureExpired):
            return None
        try:
            csrf, user_id, stamp = payload["c"], payload["u"], payload["s"]
        except (KeyError, TypeError):
            return None
        if not isinstance(csrf, str) or not (
            user_id is None or isinstance(user_id, int)
        ):
            return None
        return Session(csrf, user_id, str(stamp), issued)

    def needs_refresh(self, session: Session) -> bool:
        return session.issued is None or self._clock() - session.issued > REFRESH


def set_cookie(
    response: web.StreamResponse, codec: SessionCodec, session: Session, secure: bool
) -> None:
    response.set_cookie(
        COOKIE,
        codec.dumps(session),
        httponly=True,
        samesite="Lax",
        secure=secure,
        path="/",
    )
