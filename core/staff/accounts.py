"""Staff users and their passwords (bcrypt)."""

from __future__ import annotations

import datetime as dt
import re

import bcrypt

from core.clock import to_db
from core.errors import InvalidInput
from core.models import Doctor, StaffUser, utcnow
from core.storage.db import write_transaction

ROLES = ("admin", "staff", "doctor")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 10


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
