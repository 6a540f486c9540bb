"""Staff logins: passwords (bcrypt), lockout after failed sign-ins, sessions.

The one writer of staff_user. bcrypt takes ~270 ms at 12 rounds, so async
callers hash and check off the event loop: between `login_candidate` and
`record_login`, and before `add_staff` and `set_password`.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

import bcrypt

from core.clock import from_db, to_db
from core.errors import InvalidInput, NotFound
from core.models import Doctor, StaffUser, utcnow
from core.storage.db import write_transaction

log = logging.getLogger(__name__)

ROLES = ("admin", "staff", "doctor")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 10
FREE_ATTEMPTS = 3  # failures before each further attempt must wait
LOCK_AFTER = 10  # failures before the account locks
LOCK_FOR = dt.timedelta(minutes=15)
# A real bcrypt hash, so an unknown email costs as long as a wrong password.
DUMMY_HASH = "$2b$12$3uaHQFiEnavf6XjiiE.YQuIeD66vAoemgf5eR1tzBDUscblVzAo22"


def hash_password(password: str, rounds: int = 12) -> str:
    """bcrypt hash; ~270 ms at 12 rounds, so async callers run it off the loop."""
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds)).decode()


def check_password(password: str, hashed: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode(), hashed.encode())
    except ValueError:  # a malformed stored hash never matches
        return False


def validate_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"A password needs at least {MIN_PASSWORD} characters.")
    if len(password.encode()) > 72:
        raise InvalidInput("A password can be at most 72 bytes long.")


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


def add_staff(
    email: str,
    role: str,
    doctor_id: int | None,
    password_hash: str,
    now: dt.datetime | None = None,
) -> StaffUser:
    """Create a login from an already computed hash; InvalidInput says why not.

    now is the clock the console runs on, so that a later password change
    (stamped by the same clock) always comes after the creation.
    """
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise InvalidInput(f"{email!r} is not an email address.")
    if role not in ROLES:
        raise InvalidInput(f"Role must be one of {', '.join(ROLES)}.")
    if role == "doctor" and (
        doctor_id is None or not Doctor.select().where(Doctor.id == doctor_id).exists()
    ):
        raise InvalidInput("A doctor login must be linked to an existing doctor.")
    with write_transaction():
        if StaffUser.select().where(StaffUser.email == email).exists():
            raise InvalidInput(f"{email} already has a login.")
        return StaffUser.create(
            email=email,
            password_hash=password_hash,
            role=role,
            doctor=doctor_id if role == "doctor" else None,
            password_changed_at=to_db(now) if now else utcnow(),
        )


def create_staff(
    email: str, password: str, role: str, doctor_id: int | None = None, rounds: int = 12
) -> StaffUser:
    """Create a console user (the CLI and the demo); bcrypt runs here."""
    validate_password(password)
    return add_staff(email, role, doctor_id, hash_password(password, rounds))


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


def _update(user_id: int, **changes) -> int:
    return StaffUser.update(**changes).where(StaffUser.id == user_id).execute()


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
            _update(user_id, failed_logins=0, locked_until=None)
            log.info("console login: staff %s (from %s)", user.id, source)
            return _session_user(StaffUser.get_by_id(user_id))
        failures = user.failed_logins + 1
        wait = _penalty(failures)
        locked_until = to_db(now + wait) if wait else None
        _update(user_id, failed_logins=failures, locked_until=locked_until)
    log.warning(
        "console login failed for staff %s, %s in a row (from %s)",
        user_id,
        failures,
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
        changed = _update(
            user_id,
            password_hash=new_hash,
            password_changed_at=to_db(now),
            failed_logins=0,
            locked_until=None,
        )
        if not changed:
            raise NotFound("That staff member does not exist.")
        return _session_user(StaffUser.get_by_id(user_id))


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
        locked_until = None if active else user.locked_until
        _update(user_id, role=role, active=active, locked_until=locked_until)
