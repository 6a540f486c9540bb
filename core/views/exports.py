"""Rows for CSV exports, fetched in keyset pages so big ranges stream."""

from __future__ import annotations

import datetime as dt

from core.clinic.calendar import utc_bounds
from core.clock import from_db, to_db
from core.models import Appointment, Department, Doctor, Message, Patient, VisitType
from core.policy import Policy

CHUNK = 5000
VISIT_HEADER = (
    "id", "start", "end", "doctor", "department", "patient", "visit_type", "status",
    "created_via", "needs_confirmation", "confirmed_at", "cancelled_by",
    "cancel_reason",
)  # fmt: skip
MESSAGE_HEADER = (
    "id", "created_at", "direction", "channel", "kind", "status", "error_code",
    "attempts", "patient_id", "appointment_id",
)  # fmt: skip


def _iso(value, tz) -> str:
    return from_db(value).astimezone(tz).isoformat() if value else ""


def visit_rows(
    first: dt.date, last: dt.date, policy: Policy, after_id: int = 0
) -> list[tuple]:
    """Up to CHUNK visits in the range with id > after_id, by id."""
    lo, hi = utc_bounds(first, last, policy)
    tz = policy.tz
    query = (
        Appointment.select(
            Appointment.id,
            Appointment.start,
            Appointment.end,
            Doctor.name,
            Department.name,
            Patient.name,
            VisitType.name,
            Appointment.status,
            Appointment.created_via,
            Appointment.needs_confirmation,
            Appointment.confirmed_at,
            Appointment.cancelled_by,
            Appointment.cancel_reason,
        )
        .join(Doctor, on=Appointment.doctor == Doctor.id)
        .join(Department, on=Doctor.department == Department.id)
        .switch(Appointment)
        .join(Patient, on=Appointment.patient == Patient.id)
        .switch(Appointment)
        .join(VisitType, on=Appointment.visit_type == VisitType.id)
        .where(
            Appointment.start >= to_db(lo),
            Appointment.start < to_db(hi),
            Appointment.id > after_id,
        )
        .order_by(Appointment.id)
        .limit(CHUNK)
    )
    return [
        (
            i,
            _iso(s, tz),
            _iso(e, tz),
            d,
            dep,
            p,
            v,
            st,
            via,
            int(bool(n)),
            _iso(c, tz),
            cb or "",
            cr or "",
        )
        for i, s, e, d, dep, p, v, st, via, n, c, cb, cr in query.tuples()
    ]


def message_rows(
    first: dt.date, last: dt.date, policy: Policy, after_id: int = 0
) -> list[tuple]:
    """Up to CHUNK messages created in the range with id > after_id (no bodies)."""
    lo, hi = utc_bounds(first, last, policy)
    query = (
        Message.select(
            Message.id,
            Message.created_at,
            Message.direction,
            Message.channel,
            Message.kind,
            Message.status,
            Message.error_code,
            Message.attempts,
            Message.patient,
            Message.appointment,
        )
        .where(
            Message.created_at >= to_db(lo),
            Message.created_at < to_db(hi),
            Message.id > after_id,
        )
        .order_by(Message.id)
        .limit(CHUNK)
    )
    return [
        (i, _iso(at, policy.tz), d, c, k, s, code or "", n, p or "", a or "")
        for i, at, d, c, k, s, code, n, p, a in query.tuples()
    ]
