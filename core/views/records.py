"""Console lists: messages log, audit log and waitlist, filtered and paged."""

from __future__ import annotations

import datetime as dt

from peewee import JOIN

from core.clinic.calendar import utc_bounds
from core.clock import from_db, to_db
from core.errors import InvalidInput
from core.messaging.outbox import shown_body
from core.models import (
    Department,
    Doctor,
    Message,
    Patient,
    WaitlistEntry,
)
from core.policy import Policy

PAGE = 100
WAITLIST_STATUSES = ("waiting", "offered", "booked", "expired")


def messages_log(
    policy: Policy,
    *,
    status: str = "",
    channel: str = "",
    direction: str = "",
    day: dt.date | None = None,
    before_id: int | None = None,
) -> list[dict]:
    """Newest messages first, PAGE at a time, with delivery status and errors."""
    query = (
        Message.select(
            Message.id,
            Message.created_at,
            Message.direction,
            Message.channel,
            Message.address,
            Message.kind,
            Message.body,
            Message.status,
            Message.error_code,
            Message.error_text,
            Message.attempts,
            Message.patient,
            Message.appointment,
            Message.fallback_of,
        )
        .order_by(Message.id.desc())
        .limit(PAGE)
    )
    if status:
        query = query.where(Message.status == status)
    if channel:
        query = query.where(Message.channel == channel)
    if direction:
        query = query.where(Message.direction == direction)
    if day:
        lo, hi = utc_bounds(day, day, policy)
        query = query.where(
            Message.created_at >= to_db(lo), Message.created_at < to_db(hi)
        )
    if before_id:
        query = query.where(Message.id < before_id)
    keys = (
        "id", "at", "direction", "channel", "address", "kind", "body", "status",
        "error_code", "error_text", "attempts", "patient_id", "appointment_id",
        "fallback_of",
    )  # fmt: skip
    rows = [dict(zip(keys, row, strict=True)) for row in query.tuples()]
    for row in rows:
        row["at"] = from_db(row["at"]).astimezone(policy.tz)
        row["body"] = shown_body(row["kind"], row["body"])
    return rows


def message_statuses() -> list[str]:
    return [s for (s,) in Message.select(Message.status).distinct().tuples()]


def waitlist(status: str = "waiting") -> list[dict]:
    """Waitlist entries with patient, doctor or department names."""
    if status and status not in WAITLIST_STATUSES:
        raise InvalidInput(f"Status must be one of {', '.join(WAITLIST_STATUSES)}.")
    query = (
        WaitlistEntry.select(
            WaitlistEntry.id,
            WaitlistEntry.from_day,
            WaitlistEntry.to_day,
            WaitlistEntry.status,
            WaitlistEntry.created_at,
            Patient.id,
            Patient.name,
            Patient.phone,
            Doctor.name,
            Department.name,
        )
        .join(Patient)
        .switch(WaitlistEntry)
        .join(Doctor, JOIN.LEFT_OUTER)
        .switch(WaitlistEntry)
        .join(Department, JOIN.LEFT_OUTER)
        .order_by(WaitlistEntry.from_day, WaitlistEntry.id)
    )
    if status:
        query = query.where(WaitlistEntry.status == status)
    keys = (
        "id from_day to_day status created patient_id patient phone doctor department"
    )
    return [dict(zip(keys.split(), row, strict=True)) for row in query.tuples()]
