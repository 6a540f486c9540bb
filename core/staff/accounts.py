"""Staff logins: passwords (bcrypt), throttled sign-ins, sessions.

The one writer of staff_user. bcrypt takes ~270 ms at 12 rounds, so async
callers hash and check off the event loop: between `begin_login` and
`finish_login`, and before `add_staff` and `set_password`. How attempts are
throttled is core.staff.throttle's.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

import bcrypt

from core import audit
from core.clock import to_db
from core.errors import InvalidInput, NotFound
from core.models import Doctor, StaffUser, utcnow
from core.staff import throttle
from core.storage.db import write_transaction

log = logging.getLogger(__name__)

ROLES = ("admin", "staff", "doctor")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 10
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
        raise InvalidInput(
            f"A password needs at least {MIN_PASSWORD} characters.", "password"
        )
    if len(password.encode()) > 72:
        raise InvalidInput("A password can be at most 72 bytes long.", "password")


@dataclass(frozen=True)
class SessionUser:
    """What a console request knows about who is signed in."""

    id: int
    email: str
    role: str
    doctor_id: int | None
    stamp: str  # password_changed_at and session_epoch, as signed in the cookie


@dataclass(frozen=True)
class Attempt:
    """A reserved sign-in attempt: check password_hash, then finish_login it.

    wait is set when the attempt may not be checked at all (throttled).
    """

    email: str
    address: str
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
        raise InvalidInput(f"{email!r} is not an email address.", "email")
    if role not in ROLES:
        raise InvalidInput(f"Role must be one of {', '.join(ROLES)}.", "role")
    if role == "doctor" and (
        doctor_id is None or not Doctor.select().where(Doctor.id == doctor_id).exists()
    ):
        raise InvalidInput(
            "A doctor login must be linked to an existing doctor.", "doctor"
        )
    with write_transaction():
        if StaffUser.select().where(StaffUser.email == email).exists():
            raise InvalidInput(f"{email} already has a login.", "email")
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


def _active(email: str) -> StaffUser | None:
    return StaffUser.get_or_none(
        StaffUser.email == email,
        StaffUser.active == True,  # noqa: E712
    )


def begin_login(email: str, address: str, now: dt.datetime) -> Attempt:
    """Reserve one sign-in attempt for email from address, before bcrypt runs.

    The hash to check is the user's, or a dummy one for an unknown email so
    both cost the same; a throttled attempt gets only how long to wait.
    """
    email = email.strip().lower()
    with write_transaction():
        reservation = throttle.reserve(email, address, now)
        user = _active(email)
        if reservation.locked and user is not None:
            audit.record(
                audit.SYSTEM,
                "login.locked_out",
                now,
                staff=user.id,
                email=email,
                address=address,
                scope=reservation.locked,
            )
    if not reservation.allowed:
        return Attempt(email, address, None, "", reservation.wait)
    if user is None:
        return Attempt(email, address, None, DUMMY_HASH)
    return Attempt(email, address, user.id, user.password_hash)


def finish_login(attempt: Attempt, ok: bool, now: dt.datetime) -> SessionUser | None:
    """Record how the checked attempt went; the signed-in user on success."""
    signed_in = ok and attempt.user_id is not None
    with write_transaction():
        if signed_in:
            throttle.succeeded(attempt.email, attempt.address)
            user = StaffUser.get_or_none(StaffUser.id == attempt.user_id)
        else:
            throttle.failed(attempt.email)
            user = None
    if user is None:
        log.warning("console login failed (from %s)", attempt.address)
        return None
    log.info("console login: staff %s (from %s)", user.id, attempt.address)
    return _session_user(user)


def _update(user_id: int, **changes) -> int:
    return StaffUser.update(**changes).where(StaffUser.id == user_id).execute()


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
            user_id, password_hash=new_hash, password_changed_at=to_db(now)
        )
        if not changed:
            raise NotFound("That staff member does not exist.")
        user = StaffUser.get_by_id(user_id)
        throttle.unlock(user.email)
        return _session_user(user)


def set_password_by_email(
    email: str, password: str, now: dt.datetime, rounds: int = 12
) -> SessionUser:
    """The CLI's way back in: a new password for a login, by its email."""
    validate_password(password)
    user = StaffUser.get_or_none(StaffUser.email == email.strip().lower())
    if user is None:
        raise NotFound(f"There is no login {email}.")
    return set_password(user.id, hash_password(password, rounds), now)


def new_password_hash(password: str, confirm: str, rounds: int = 12) -> str:
    """Validate and hash; slow (bcrypt), so run it off the event loop."""
    if password != confirm:
        raise InvalidInput("The two new passwords do not match.")
    validate_password(password)
    return hash_password(password, rounds)


def list_staff(now: dt.datetime, tz: dt.tzinfo) -> list[dict]:
    """Every login, with whether sign-ins to it are locked out now."""
    users = list(StaffUser.select().order_by(StaffUser.email))
    locked = throttle.lockouts([u.email for u in users], now, tz)
    return [
        {
            "id": u.id,
            "email": u.email,
            "role": u.role,
            "doctor": u.doctor.name if u.doctor_id else "",
            "active": u.active,
            "lockout": locked.get(u.email),
        }
        for u in users
    ]


def lockouts(now: dt.datetime, tz: dt.tzinfo) -> list[dict]:
    """Active logins whose sign-ins are locked out now, for the Today board."""
    active = StaffUser.select().where(StaffUser.active == True)  # noqa: E712
    users = {u.email: u.id for u in active}
    locked = throttle.lockouts(list(users), now, tz)
    return [{"email": e, "id": users[e], **locked[e]} for e in sorted(locked)]


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
        _update(user_id, role=role, active=active)
        if active:  # saving an active login is how an admin lifts a lockout
            throttle.unlock(user.email)
