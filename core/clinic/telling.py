"""Telling patients of changes they did not make themselves.

When staff (in the console) or the clinic's other software (the API) book,
move or cancel a visit, the patient hears of it on their own channel, in
their language, through the outbox and in the change's transaction. A
patient who chose email already gets the email with its calendar invite
(booking._email_change), so they are not told twice. A change to today's
visit is urgent: it goes out even in quiet hours, since the patient may be
on the way. Staff may choose not to tell; the audit log keeps their reason.
"""

from __future__ import annotations

import datetime as dt

from core.audit import Actor
from core.clock import from_db
from core.errors import InvalidInput
from core.messaging import mail
from core.messaging.outbox import enqueue
from core.messaging.texts import language_for, visit_text, when_text
from core.models import Appointment, Doctor, Message, Patient
from core.policy import Policy

TEMPLATES = {
    "booked": "clinic_booked",
    "moved": "clinic_moved",
    "cancelled": "clinic_cancelled",
}
TOLD_BY = ("staff", "api")  # actors whose changes the patient did not see happen
REASON_LIMIT = 200


def told_by(actor: Actor) -> bool:
    """Does a change by this actor need telling (patients know their own)?"""
    return actor.kind in TOLD_BY


def untold(actor: Actor, tell: bool, reason: str) -> dict:
    """The audit detail of a change the patient is not told of, checked first.

    Not telling is a choice staff make on purpose, so it needs a reason.
    """
    if tell or not told_by(actor):
        return {}
    reason = " ".join((reason or "").split())[:REASON_LIMIT]
    if not reason:
        raise InvalidInput(
            "Say why the patient is not being told of this change.", "untold_reason"
        )
    return {"not_told": reason}


def _today(moment: dt.datetime | None, now: dt.datetime, policy: Policy) -> bool:
    if moment is None:
        return False
    return moment.astimezone(policy.tz).date() == now.astimezone(policy.tz).date()


def tell_patient(
    appointment: Appointment,
    change: str,
    now: dt.datetime,
    policy: Policy,
    old_start: dt.datetime | None = None,
) -> Message | None:
    """Queue the text about this change; None if the email already says it."""
    patient = Patient.get_by_id(appointment.patient_id)
    if mail.wants_email(
        patient.email, patient.email_opt_out, patient.preferred_channel
    ):
        return None
    doctor = Doctor.get_by_id(appointment.doctor_id)
    start = from_db(appointment.start)
    extra = {}
    if old_start is not None:
        lang = language_for(patient.language, policy)
        extra["old_when"] = when_text(old_start, policy, lang)
    _, body = visit_text(
        TEMPLATES[change],
        patient=patient,
        doctor=doctor.name,
        start=start,
        policy=policy,
        **extra,
    )
    urgent = _today(start, now, policy) or _today(old_start, now, policy)
    return enqueue(
        patient,
        body,
        now=now,
        kind="notice",
        appointment_id=appointment.id,
        urgent=urgent,
    )
