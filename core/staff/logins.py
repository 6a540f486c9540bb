"""Console sign-in rules: lockout after failures, sessions that can be revoked.

bcrypt itself is not called here for checks: callers run it off the event
loop between `login_candidate` and `record_login`.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from core.clock import from_db, to_db
from core.errors import InvalidInput, NotFound
from core.models import StaffUser
from core.staff import accounts as staff
from core.staff.accounts import ROLES, hash_password, validate_password
from core.storage.db import write_transaction

log = logging.getLogger(__name__)

FREE_ATTEMPTS = 3  # failures before each further attempt must wait
LOCK_AFTER = 10  # failures before the account locks
LOCK_FOR = dt.timedelta(minutes=15)
# A real bcrypt hash, so an unknown email costs as long as a wrong password.
DUMMY_HASH = "$2b$12$3uaHQFiEnavf6XjiiE.YQuIeD66vAoemgf5eR1tzBDUscblVzAo22"


@dataclass(frozen=True)
class SessionUser:
    """What a console request knows about who is signed in."""

    id: int
    email: str
    role: str
    doctor_id: int | None
    stamp: str  # password_changed_at and session_epoch, as signed in the cookie


@dataclass(frozen=True)
class Candidate:
    """A sign-in attempt's user, or why it may not be tried now."""

    user_id: int | None
    password_hash: str
    wait: dt.timedelta | None = None


def _stamp(user: StaffUser) -> str:
    return f"{user.password_changed_at.isoformat()}|{user.session_epoch}"


def _session_user(user: StaffUser) -> SessionUser:
    return SessionUser(user.id, user.email, user.role, user.doctor_id, _stamp(user))


def login_candidate(email: str, now: dt.datetime) -> Candidate:
    """The hash to check for email, unless the account must wait."""
    user = StaffUser.get_or_none(
        StaffUser.email == email.strip().lower(),
        StaffUser.active == True,  # noqa: E712
    )
    if user is None:
        return Candidate(None, DUMMY_HASH)
    if user.locked_until is not None and from_db(user.locked_until) > now:
        return Candidate(user.id, user.password_hash, from_db(user.locked_until) - now)
    return Candidate(user.id, user.password_hash)


def _penalty(failures: int) -> dt.timedelta | None:
    """How long the next attempt must wait after this many failures."""
    if failures >= LOCK_AFTER:
        return LOCK_FOR
    if failures > FREE_ATTEMPTS:
        return dt.timedelta(seconds=2 ** (failures - FREE_ATTEMPTS))
    return None


def record_login(
    user_id: int | None, ok: bool, now: dt.datetime, source: str = ""
) -> SessionUser | None:
    """Reset or count failures; return the signed-in user on success."""
    if user_id is None:
        log.warning("console login failed: unknown email (from %s)", source)
        return None
    with write_transaction():
        user = StaffUser.get_by_id(user_id)
        if ok:
            user.failed_logins = 0
            user.locked_until = None
            user.save()
            log.info("console login: staff %s (from %s)", user.id, source)
            return _session_user(user)
        user.failed_logins += 1
        wait = _penalty(user.failed_logins)
        user.locked_until = to_db(now + wait) if wait else None
        user.save()
    log.warning(
        "console login failed for staff %s, %s in a row (from %s)",
        user.id,
        user.failed_logins,
        source,
    )
    return None


def session_user(user_id: int, stamp: str) -> SessionUser | None:
    """The active user a session names, if the session is still valid."""
    user = StaffUser.get_or_none(StaffUser.id == user_id, StaffUser.active == True)  # noqa: E712
    if user is None or _stamp(user) != stamp:
        return None
    return _session_user(user)


def end_sessions(user_id: int) -> None:
    """Log out: every cookie signed with the old epoch stops working."""
    StaffUser.update(session_epoch=StaffUser.session_epoch + 1).where(
        StaffUser.id == user_id
    ).execute()


def set_password(user_id: int, new_hash: str, now: dt.datetime) -> SessionUser:
    """Store a new hash; sessions signed before now stop working."""
    with write_transaction():
        user = StaffUser.get_or_none(StaffUser.id == user_id)
        if user is None:
            raise NotFound("That staff member does not exist.")
        user.password_hash = new_hash
        user.password_changed_at = to_db(now)
        user.failed_logins = 0
        user.locked_until = None
        user.save()
    return _session_user(user)


def new_password_hash(password: str, confirm: str, rounds: int = 12) -> str:
    """Validate and hash; slow (bcrypt), so run it off the event loop."""
    if password != confirm:
        raise InvalidInput("The two new passwords do not match.")
    validate_password(password)
    return hash_password(password, rounds)


def list_staff() -> list[dict]:
    return [
        {
            "id": u.id,
            "email": u.email,
            "role": u.role,
            "doctor": u.doctor.name if u.doctor_id else "",
            "active": u.active,
            "locked": u.locked_until is not None,
            "failed_logins": u.failed_logins,
        }
        for u in StaffUser.select().order_by(StaffUser.email)
    ]


def update_staff(user_id: int, role: str, active: bool, acting_id: int) -> None:
    """Change a user's role or deactivate them (never yourself: no lock-out)."""
    if role not in ROLES:
        raise InvalidInput(f"Role must be one of {', '.join(ROLES)}.")
    if user_id == acting_id and (role != "admin" or not active):
        raise InvalidInput("You cannot remove your own admin access.")
    with write_transaction():
        user = StaffUser.get_or_none(StaffUser.id == user_id)
        if user is None:
            raise NotFound("That staff member does not exist.")
        if role == "doctor" and user.doctor_id is None:
            raise InvalidInput("A doctor login must be linked to a doctor.")
        user.role = role
        user.active = active
        user.locked_until = None if active else user.locked_until
        user.save()


def add_staff(
    email: str, role: str, doctor_id: int | None, password_hash: str, now: dt.datetime
) -> int:
    """Create a login from a hash computed off the loop; return its id."""
    return staff.add_staff(email, role, doctor_id, password_hash, now).id
