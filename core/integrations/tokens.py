"""API tokens: created by an admin, shown once, kept as a SHA-256, revocable.

The one writer of api_token. A token is 32 random bytes, so a plain
SHA-256 is enough to store it (nothing to brute-force, unlike a password),
and it lets a request find its token with one indexed read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from core.clock import from_db, to_db
from core.errors import InvalidInput, NotFound
from core.models import ApiToken
from core.storage.prepared import Prepared, PreparedUpdate

ROLES = ("admin", "staff", "doctor", "read")
PREFIX = "cbt_"
SHOWN = 12  # characters of a token shown in lists, to tell tokens apart
# last_used_at is written at most this often: a read needs no write per request.
TOUCH_EVERY = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Caller:
    """Who an API request is: the token's id, name and role."""

    token_id: int
    name: str
    role: str


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(
    name: str, role: str, now: dt.datetime, created_by: int | None = None
) -> tuple[int, str]:
    """A new token: (its id, the token itself, which is not kept)."""
    name = " ".join((name or "").split())[:80]
    if not name:
        raise InvalidInput("Give the token a name.", "name")
    if role not in ROLES:
        raise InvalidInput(f"The role must be one of {', '.join(ROLES)}.", "role")
    token = PREFIX + secrets.token_urlsafe(32)
    token_id = ApiToken.insert(
        name=name,
        role=role,
        token_hash=digest(token),
        prefix=token[:SHOWN],
        created_at=to_db(now),
        created_by=created_by,
    ).execute()
    return token_id, token


def revoke(token_id: int, now: dt.datetime) -> None:
    """Stop a token working; revoking twice is harmless."""
    if not ApiToken.select().where(ApiToken.id == token_id).exists():
        raise NotFound("That API token does not exist.")
    ApiToken.update(revoked_at=to_db(now)).where(
        (ApiToken.id == token_id) & ApiToken.revoked_at.is_null()
    ).execute()


# Every API request reads its token: built once per process (core.storage.prepared).
_LIVE_TOKEN = Prepared(
    lambda token_hash: ApiToken.select(
        ApiToken.id, ApiToken.name, ApiToken.role, ApiToken.last_used_at
    ).where((ApiToken.token_hash == token_hash) & ApiToken.revoked_at.is_null())
)
_TOUCH = PreparedUpdate(
    ApiToken, "last_used_at", where=lambda token_id: ApiToken.id == token_id
)


def authenticate(token: str, now: dt.datetime) -> Caller | None:
    """The caller a bearer token names, or None if unknown or revoked."""
    row = _LIVE_TOKEN.first(digest(token))
    if row is None:
        return None
    token_id, name, role, last_used = row
    if last_used is None or from_db(last_used) <= now - TOUCH_EVERY:
        _TOUCH.apply({"last_used_at": to_db(now)}, token_id)
    return Caller(token_id, name, role)


def listing(tz: dt.tzinfo) -> list[dict]:
    """Every token for the console, newest first, without the secret."""
    rows = ApiToken.select().order_by(ApiToken.id.desc())
    return [
        {
            "id": row.id,
            "name": row.name,
            "role": row.role,
            "prefix": row.prefix,
            "created_at": from_db(row.created_at).astimezone(tz),
            "last_used_at": row.last_used_at
            and from_db(row.last_used_at).astimezone(tz),
            "revoked_at": row.revoked_at and from_db(row.revoked_at).astimezone(tz),
        }
        for row in rows
    ]
