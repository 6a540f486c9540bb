"""Booking operations. Each is one transaction that also writes its audit row.

Status changes are compare-and-set updates (`... WHERE status IN (...)`), so
a concurrent change is detected by the database rather than by a re-check.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import NamedTuple

from peewee import IntegrityError

from core.clinic.calendar import LIVE_STATUSES, load_calendars, load_closures
from core.clinic.slots import day_slots
from core.clock import UTC, from_db, to_db
from core.errors import InvalidTransition, NotFound, SlotTaken, SlotUnavailable
from core.models import (
    Appointment,
    AuditLog,
    Doctor,
    DoctorVisitType,
    Patient,
    SlotClaim,
    VisitType,
)
from core.policy import Policy
from core.storage.db import db, write_transaction
from core.storage.prepared import Prepared, insert_row, insert_rows

CLAIM_UNIT = dt.timedelta(minutes=5)
CANCELLERS = ("patient", "staff", "system")
# Audit action -> how a person says it was done, for refusals.
DONE = {
    "confirm": "confirmed",
    "cancel": "cancelled",
    "complete": "marked completed",
    "mark no-show": "marked as a no-show",
    "change": "changed",
}


@dataclass(frozen=True)
class Actor:
    """Who did it, as written to the audit log: patient:12, staff:3, system."""

    kind: str
    id: int | None = None

    def __str__(self) -> str:
        return self.kind if self.id is None else f"{self.kind}:{self.id}"


SYSTEM = Actor("system")


def _claim_units(start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """The 5-minute units [start, end) covers, as naive UTC."""
    epoch = dt.datetime(2000, 1, 1, tzinfo=UTC)
    unit = epoch + ((start - epoch) // CLAIM_UNIT) * CLAIM_UNIT
    units = []
    while unit < end:
        units.append(to_db(unit))
        unit += CLAIM_UNIT
    return units


def _audit(
    actor: Actor, action: str, appointment: Appointment, now: dt.datetime, **detail
) -> None:
    insert_row(
        AuditLog,
        {
            "at": to_db(now),
            "actor": str(actor),
            "action": action,
            "appointment": appointment.id,
            "patient": appointment.patient_id,
            "detail": json.dumps(detail, default=str, sort_keys=True) if detail else "",
        },
    )


# The reads every booking makes, built once per process (core.prepared): the
# dialog books inside a patient's turn, where peewee's query building was
# most of the cost.
class BookableDoctor(NamedTuple):
    id: int
    name: str
    active: bool


_DOCTOR = Prepared(
    lambda doctor_id: Doctor.select(Doctor.id, Doctor.name, Doctor.active).where(
        Doctor.id == doctor_id
    )
)
_PATIENT = Prepared(
    lambda patient_id: Patient.select(Patient.id).where(Patient.id == patient_id)
)


def _offered_types(chosen: bool) -> Prepared:
    def build(doctor_id, active, *rest):
        query = (
            VisitType.select(VisitType.id, VisitType.minutes)
            .join(DoctorVisitType)
            .where(DoctorVisitType.doctor == doctor_id, VisitType.active == active)
        )
        if chosen:
            query = query.where(VisitType.id == rest[0])
        return query.order_by(VisitType.minutes, VisitType.id).limit(rest[-1])

    return Prepared(build)


_VISIT_TYPE = {chosen: _offered_types(chosen) for chosen in (False, True)}
_APPOINTMENT = Prepared(
    lambda appointment_id: Appointment.select().where(Appointment.id == appointment_id)
)
_RELEASE = Prepared(
    lambda appointment_id: SlotClaim.delete().where(
        SlotClaim.appointment == appointment_id
    )
)


def _doctor(doctor_id: int) -> BookableDoctor:
    found = _DOCTOR.first(doctor_id)
    if found is None:
        raise NotFound("That doctor does not exist.")
    return BookableDoctor(*found)


def _visit_minutes(doctor: BookableDoctor, visit_type_id: int | None) -> tuple:
    """(id, minutes) of the chosen visit type, checked to be one this doctor offers.

    With none chosen, the doctor's shortest.
    """
    chosen = visit_type_id is not None
    keys = (visit_type_id,) if chosen else ()
    found = _VISIT_TYPE[chosen].first(doctor.id, True, *keys, 1)
    if found is None:
        raise SlotUnavailable(f"{doctor.name} does not offer that kind of visit.")
    return found


def check_bookable(
    doctor: BookableDoctor,
    start: dt.datetime,
    length: dt.timedelta,
    policy: Policy,
    now: dt.datetime,
) -> None:
    """Raise SlotUnavailable unless start is one of the doctor's slots (busy aside)."""
    if not doctor.active:
        raise SlotUnavailable(f"{doctor.name} is not taking appointments.")
    if start < now:
        raise SlotUnavailable("That time is in the past.")
    day = start.astimezone(policy.tz).date()
    (calendar,) = load_calendars([doctor.id], day, day, policy, with_busy=False)
    slots = day_slots(
        day, calendar, load_closures(day, day), policy, now, length, ignore_busy=True
    )
    if start in slots:
        return
    if start < now + policy.min_notice:
        raise SlotUnavailable("That time is too soon to book; please pick a later one.")
    if day > now.astimezone(policy.tz).date() + dt.timedelta(days=policy.horizon_days):
        raise SlotUnavailable("That day is too far ahead to book yet.")
    raise SlotUnavailable(f"{doctor.name} is not seeing patients at that time.")


_APPOINTMENT_FIELDS = [f.name for f in Appointment._meta.sorted_fields]


def _get(appointment_id: int) -> Appointment:
    found = _APPOINTMENT.first(appointment_id)
    if found is None:
        raise NotFound("That appointment does not exist.")
    return Appointment(**dict(zip(_APPOINTMENT_FIELDS, found, strict=True)))


def _compare_and_set(
    appointment_id: int, allowed_from: tuple[str, ...], changes: dict
) -> bool:
    """UPDATE the visit only while its status is one of allowed_from; did it?

    Plain SQL rather than a peewee update: its columns vary with the change,
    and building it with peewee cost more than running it.
    """
    param = db.obj.param
    sets = ", ".join(f'"{field.column_name}" = {param}' for field in changes)
    statuses = ", ".join([param] * len(allowed_from))
    sql = (
        f'UPDATE "{Appointment._meta.table_name}" SET {sets}'
        f' WHERE "id" = {param} AND "status" IN ({statuses})'
    )
    values = [field.db_value(value) for field, value in changes.items()]
    return db.execute_sql(sql, [*values, appointment_id, *allowed_from]).rowcount > 0


def book(
    *,
    patient_id: int,
    doctor_id: int,
    start: dt.datetime,
    policy: Policy,
    now: dt.datetime,
    actor: Actor,
    visit_type_id: int | None = None,
    via: str = "console",
    needs_confirmation: bool = True,
) -> Appointment:
    """Book a visit; raise SlotTaken if another booking holds any of its time."""
    doctor = _doctor(doctor_id)
    if _PATIENT.first(patient_id) is None:
        raise NotFound("That patient does not exist.")
    visit_type_id, minutes = _visit_minutes(doctor, visit_type_id)
    length = dt.timedelta(minutes=minutes)
    check_bookable(doctor, start, length, policy, now)
    row = {
        "doctor": doctor.id,
        "patient": patient_id,
        "visit_type": visit_type_id,
        "start": to_db(start),
        "end": to_db(start + length),
        "status": "scheduled",
        "created_via": via,
        "needs_confirmation": needs_confirmation,
        "created_at": to_db(now),
        "updated_at": to_db(now),
    }
    try:
        with write_transaction():
            appointment = Appointment(id=insert_row(Appointment, row), **row)
            insert_rows(
                SlotClaim,
                [
                    {"doctor": doctor.id, "unit": unit, "appointment": appointment.id}
                    for unit in _claim_units(start, start + length + policy.buffer)
                ],
            )
            _audit(actor, "book", appointment, now, start=start.isoformat(), via=via)
    except IntegrityError:
        raise SlotTaken() from None
    return appointment


def _transition(
    appointment_id: int,
    allowed_from: tuple[str, ...],
    changes: dict,
    actor: Actor,
    action: str,
    now: dt.datetime,
    **detail,
) -> Appointment:
    """Compare-and-set the status; explain why if the visit was not in allowed_from."""
    with write_transaction():
        updated = _compare_and_set(appointment_id, allowed_from, changes)
        appointment = _get(appointment_id)
        if not updated:
            status = appointment.status.replace("_", " ")
            raise InvalidTransition(
                f"This visit is already {status}; it cannot be {DONE[action]}.",
                appointment.status,
            )
        if appointment.status == "cancelled":
            _RELEASE.execute(appointment.id)
        _audit(actor, action, appointment, now, **detail)
    return appointment


def confirm(appointment_id: int, actor: Actor, now: dt.datetime) -> Appointment:
    """Mark a scheduled visit confirmed (confirming twice is harmless)."""
    appointment = _get(appointment_id)
    if appointment.status == "confirmed":
        return appointment
    if appointment.status in LIVE_STATUSES and from_db(appointment.end) <= now:
        raise InvalidTransition("This visit is already over; it cannot be confirmed.")
    changes = {
        Appointment.status: "confirmed",
        Appointment.confirmed_at: to_db(now),
        Appointment.updated_at: to_db(now),
    }
    return _transition(appointment_id, ("scheduled",), changes, actor, "confirm", now)


def cancel(
    appointment_id: int, actor: Actor, reason: str, now: dt.datetime
) -> Appointment:
    """Cancel a live visit and free its time."""
    if actor.kind not in CANCELLERS:
        raise ValueError(f"unknown canceller {actor.kind!r}")
    reason = (reason or "").strip()[:200]
    changes = {
        Appointment.status: "cancelled",
        Appointment.cancelled_at: to_db(now),
        Appointment.cancelled_by: actor.kind,
        Appointment.cancel_reason: reason,
        Appointment.updated_at: to_db(now),
    }
    return _transition(
        appointment_id, LIVE_STATUSES, changes, actor, "cancel", now, reason=reason
    )


def _finish(
    appointment_id: int, status: str, action: str, actor: Actor, now: dt.datetime
):
    appointment = _get(appointment_id)
    if appointment.status in LIVE_STATUSES and from_db(appointment.start) > now:
        raise InvalidTransition("This visit has not started yet.")
    changes = {Appointment.status: status, Appointment.updated_at: to_db(now)}
    return _transition(appointment_id, LIVE_STATUSES, changes, actor, action, now)


def complete(appointment_id: int, actor: Actor, now: dt.datetime) -> Appointment:
    """Record that the visit took place."""
    return _finish(appointment_id, "completed", "complete", actor, now)


def mark_no_show(appointment_id: int, actor: Actor, now: dt.datetime) -> Appointment:
    """Record that the patient did not come."""
    return _finish(appointment_id, "no_show", "mark no-show", actor, now)


def set_needs_confirmation(
    appointment_id: int, needed: bool, actor: Actor, now: dt.datetime
) -> Appointment:
    """Staff say whether this visit must be confirmed by the patient."""
    changes = {
        Appointment.needs_confirmation: needed,
        Appointment.updated_at: to_db(now),
    }
    return _transition(
        appointment_id,
        LIVE_STATUSES,
        changes,
        actor,
        "change",
        now,
        needs_confirmation=needed,
    )


def reschedule(
    appointment_id: int,
    new_start: dt.datetime,
    *,
    policy: Policy,
    now: dt.datetime,
    actor: Actor,
    new_doctor_id: int | None = None,
) -> Appointment:
    """Move a live visit; the new time is claimed before the old is released."""
    current = _get(appointment_id)
    doctor = _doctor(new_doctor_id or current.doctor_id)
    _, minutes = _visit_minutes(doctor, current.visit_type_id)
    length = dt.timedelta(minutes=minutes)
    check_bookable(doctor, new_start, length, policy, now)
    wanted = set(_claim_units(new_start, new_start + length + policy.buffer))
    try:
        with write_transaction():
            # Touch the row first: on PostgreSQL this locks it, so two moves
            # of one visit cannot interleave; on SQLite the write lock is held.
            moved = _compare_and_set(
                appointment_id,
                LIVE_STATUSES,
                {
                    Appointment.doctor: doctor.id,
                    Appointment.start: to_db(new_start),
                    Appointment.end: to_db(new_start + length),
                    Appointment.status: "scheduled",
                    Appointment.confirmed_at: None,
                    Appointment.updated_at: to_db(now),
                },
            )
            if not moved:
                status = _get(appointment_id).status
                raise InvalidTransition(
                    f"This visit is already {status.replace('_', ' ')};"
                    " it cannot be moved.",
                    status,
                )
            held = {
                (claim.doctor_id, claim.unit): claim.id
                for claim in SlotClaim.select().where(
                    SlotClaim.appointment == appointment_id
                )
            }
            new_rows = [
                {"doctor": doctor.id, "unit": unit, "appointment": appointment_id}
                for unit in sorted(wanted)
                if (doctor.id, unit) not in held
            ]
            insert_rows(SlotClaim, new_rows)
            stale = [
                cid
                for key, cid in held.items()
                if key[0] != doctor.id or key[1] not in wanted
            ]
            if stale:
                SlotClaim.delete().where(SlotClaim.id.in_(stale)).execute()
            appointment = _get(appointment_id)
            _audit(
                actor,
                "reschedule",
                appointment,
                now,
                old_start=from_db(current.start).isoformat(),
                old_end=from_db(current.end).isoformat(),
                old_doctor=current.doctor_id,
                new_start=new_start.isoformat(),
                doctor=doctor.id,
            )
    except IntegrityError:
        raise SlotTaken() from None
    return appointment
