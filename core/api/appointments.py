"""Appointments for the API: one by id, and filtered pages with a cursor.

Pages are ordered by (start, id) and the cursor is the last row's pair,
opaque to callers (base64 of "start-microseconds:id"): a keyset, so a page
costs one index range read however deep, and rows added or cancelled while
a caller walks never make it skip or repeat a row.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt

from core.api import schemas
from core.clock import from_db, to_db
from core.errors import InvalidInput, NotFound
from core.models import Appointment, Doctor, VisitType
from core.storage.prepared import Prepared

EPOCH = dt.datetime(1970, 1, 1)
COLUMNS = (
    Appointment.id,
    Appointment.doctor,
    Doctor.name,
    Appointment.patient,
    Appointment.visit_type,
    VisitType.name,
    Appointment.start,
    Appointment.end,
    Appointment.status,
    Appointment.created_via,
    Appointment.needs_confirmation,
    Appointment.confirmed_at,
    Appointment.cancelled_at,
    Appointment.cancelled_by,
    Appointment.cancel_reason,
    Appointment.created_at,
    Appointment.updated_at,
)


def _select():
    return (
        Appointment.select(*COLUMNS)
        .join(Doctor, on=Appointment.doctor == Doctor.id)
        .switch(Appointment)
        .join(VisitType, on=Appointment.visit_type == VisitType.id)
    )


def _moment(value) -> dt.datetime | None:
    return None if value is None else from_db(value)


def _row(row: tuple) -> schemas.Appointment:
    (i, did, doctor, pid, vid, kind, start, end, status, via, needs,
     confirmed, cancelled, by, reason, created, updated) = row  # fmt: skip
    return schemas.Appointment(
        id=i,
        doctor_id=did,
        doctor=doctor,
        patient_id=pid,
        visit_type_id=vid,
        visit_type=kind,
        start=from_db(start),
        end=from_db(end),
        status=status,
        created_via=via,
        needs_confirmation=bool(needs),
        confirmed_at=_moment(confirmed),
        cancelled_at=_moment(cancelled),
        cancelled_by=by,
        cancel_reason=reason,
        created_at=from_db(created),
        updated_at=from_db(updated),
    )


# Read after every change the API makes: built once (core.storage.prepared).
_ONE = Prepared(
    lambda appointment_id: _select().where(Appointment.id == appointment_id)
)


def get(appointment_id: int) -> schemas.Appointment:
    found = _ONE.first(appointment_id)
    if found is None:
        raise NotFound("That appointment does not exist.")
    return _row(found)


def encode_cursor(start: dt.datetime, appointment_id: int) -> str:
    micros = (start - EPOCH) // dt.timedelta(microseconds=1)
    return base64.urlsafe_b64encode(f"{micros}:{appointment_id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    """(naive UTC start, id) after which the next page starts."""
    try:
        micros, _, appointment_id = (
            base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        )
        return EPOCH + dt.timedelta(microseconds=int(micros)), int(appointment_id)
    except (ValueError, UnicodeError, binascii.Error, OverflowError):
        raise InvalidInput("That cursor is not one this API gave.", "cursor") from None


def page(query: schemas.AppointmentQuery) -> schemas.AppointmentPage:
    """One page of visits matching the filters, earliest first."""
    rows = _select()
    if query.doctor is not None:
        rows = rows.where(Appointment.doctor == query.doctor)
    if query.patient is not None:
        rows = rows.where(Appointment.patient == query.patient)
    if query.status is not None:
        rows = rows.where(Appointment.status == query.status)
    if query.from_ is not None:
        rows = rows.where(Appointment.start >= to_db(query.from_))
    if query.to is not None:
        rows = rows.where(Appointment.start < to_db(query.to))
    if query.cursor is not None:
        start, last_id = decode_cursor(query.cursor)
        rows = rows.where(
            (Appointment.start > start)
            | ((Appointment.start == start) & (Appointment.id > last_id))
        )
    found = list(
        rows.order_by(Appointment.start, Appointment.id).limit(query.limit + 1).tuples()
    )
    more = len(found) > query.limit
    data = [_row(row) for row in found[: query.limit]]
    cursor = None
    if more:
        last = found[query.limit - 1]
        cursor = encode_cursor(to_db(from_db(last[6])), last[0])
    return schemas.AppointmentPage(data=data, next_cursor=cursor)
