"""Changes to visits through the API: each is core.clinic.booking's operation,
with its guarantees (one transaction, compare-and-set, no double booking),
answered with the visit as the API shows it."""

from __future__ import annotations

import datetime as dt

from core.api import appointments, schemas
from core.audit import Actor
from core.clinic import booking
from core.policy import Policy


def book(
    body: schemas.BookingCreate, policy: Policy, now: dt.datetime, actor: Actor
) -> schemas.Appointment:
    """Book through the same operation as every channel; SlotTaken if just taken."""
    visit = booking.book(
        patient_id=body.patient_id,
        doctor_id=body.doctor_id,
        start=body.start,
        policy=policy,
        now=now,
        actor=actor,
        visit_type_id=body.visit_type_id,
        via="api",
        needs_confirmation=body.needs_confirmation,
    )
    return appointments.get(visit.id)


def confirm(appointment_id: int, actor: Actor, now: dt.datetime):
    booking.confirm(appointment_id, actor, now)
    return appointments.get(appointment_id)


def cancel(
    appointment_id: int, body: schemas.Cancellation, actor: Actor, now: dt.datetime
):
    booking.cancel(appointment_id, actor, body.reason, now)
    return appointments.get(appointment_id)


def reschedule(
    appointment_id: int,
    body: schemas.Reschedule,
    policy: Policy,
    now: dt.datetime,
    actor: Actor,
):
    booking.reschedule(
        appointment_id,
        body.start,
        policy=policy,
        now=now,
        actor=actor,
        new_doctor_id=body.doctor_id,
    )
    return appointments.get(appointment_id)


def complete(appointment_id: int, actor: Actor, now: dt.datetime):
    booking.complete(appointment_id, actor, now)
    return appointments.get(appointment_id)


def no_show(appointment_id: int, actor: Actor, now: dt.datetime):
    booking.mark_no_show(appointment_id, actor, now)
    return appointments.get(appointment_id)
