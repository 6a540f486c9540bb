"""Calendar feeds: a doctor's visits at a secret, revocable iCalendar address.

The one writer of calendar_feed. The address ends in a token of 32 random
bytes that is shown once and kept only as its SHA-256 (as API tokens are:
nothing to brute-force, and one indexed read finds the feed). Patient names
stay out of a feed unless an admin turns them on for it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from core.clock import from_db, to_db
from core.errors import InvalidInput, NotFound
from core.models import CalendarFeed, Doctor

PREFIX = "cal_"
TOKEN_LIMIT = 100  # a real token is 47 characters; longer is not worth hashing


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(doctor_id: int, show_names: bool, now: dt.datetime) -> tuple[int, str]:
    """A new feed for this doctor: (its id, the secret token, which is not kept)."""
    if not Doctor.select().where(Doctor.id == doctor_id).exists():
        raise NotFound("That doctor does not exist.")
    token = PREFIX + secrets.token_urlsafe(32)
    feed_id = CalendarFeed.insert(
        doctor=doctor_id,
        token_hash=digest(token),
        show_names=bool(show_names),
        created_at=to_db(now),
    ).execute()
    return feed_id, token


def _existing(feed_id: int) -> CalendarFeed:
    feed = CalendarFeed.get_or_none(CalendarFeed.id == feed_id)
    if feed is None:
        raise NotFound("That calendar feed does not exist.")
    return feed


def revoke(feed_id: int, now: dt.datetime) -> None:
    """Stop a feed's address working for good; revoking twice is harmless."""
    _existing(feed_id)
    CalendarFeed.update(revoked_at=to_db(now)).where(
        (CalendarFeed.id == feed_id) & CalendarFeed.revoked_at.is_null()
    ).execute()


def set_show_names(feed_id: int, show_names: bool) -> None:
    """Show or hide patient names in a live feed (a revoked one stays revoked)."""
    if _existing(feed_id).revoked_at is not None:
        raise InvalidInput("That calendar feed was revoked; create a new one.")
    CalendarFeed.update(show_names=bool(show_names)).where(
        CalendarFeed.id == feed_id
    ).execute()


def doctor_for(token: str) -> tuple[int, bool] | None:
    """(doctor id, show names) of the live feed this token opens, else None."""
    if not token.startswith(PREFIX) or len(token) > TOKEN_LIMIT:
        return None
    row = (
        CalendarFeed.select(CalendarFeed.doctor, CalendarFeed.show_names)
        .where(
            (CalendarFeed.token_hash == digest(token))
            & CalendarFeed.revoked_at.is_null()
        )
        .tuples()
        .first()
    )
    return None if row is None else (row[0], bool(row[1]))


def listing(tz: dt.tzinfo) -> list[dict]:
    """Every feed for the console, newest first, without the secret."""
    rows = (
        CalendarFeed.select(
            CalendarFeed.id,
            CalendarFeed.doctor,
            Doctor.name,
            CalendarFeed.show_names,
            CalendarFeed.created_at,
            CalendarFeed.revoked_at,
        )
        .join(Doctor, on=(CalendarFeed.doctor == Doctor.id))
        .order_by(CalendarFeed.id.desc())
        .tuples()
    )
    return [
        {
            "id": feed_id,
            "doctor_id": doctor_id,
            "doctor": doctor,
            "show_names": bool(show_names),
            "created_at": from_db(created_at).astimezone(tz),
            "revoked_at": revoked_at and from_db(revoked_at).astimezone(tz),
        }
        for feed_id, doctor_id, doctor, show_names, created_at, revoked_at in rows
    ]
