"""Confirmation deadline: cancel a still-unconfirmed visit, or flag it for staff.

A visit is only cancelled when the patient was really asked: a reminder for
this start time was delivered and the patient can still be reached. Staff's
"no confirmation needed" visits are never candidates.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import Counter

from peewee import SQL, fn

from core import audit
from core.clinic import booking
from core.clock import from_db, to_db
from core.dialog.contexts import CONFIRM
from core.errors import InvalidTransition
from core.jobs import claims
from core.messaging import mail
from core.messaging.conversations import flag_patient
from core.messaging.outbox import enqueue, first_route, routes
from core.messaging.texts import visit_text
from core.models import Appointment, Doctor, Message, Patient, ReminderClaim
from core.policy import Policy
from core.storage.db import write_transaction

log = logging.getLogger(__name__)

KIND = "deadline"
DELIVERED = ("sent", "delivered")
AUTO_REASON = "auto_unconfirmed"


def find_unconfirmed(policy: Policy, now: dt.datetime) -> list[int]:
    """Unconfirmed visits inside the deadline window whose deadline is unhandled."""
    deadline = dt.timedelta(minutes=policy.confirm_deadline_minutes)
    done = ReminderClaim.select(SQL("1")).where(
        ReminderClaim.appointment == Appointment.id,
        ReminderClaim.kind == KIND,
        ReminderClaim.start == Appointment.start,
    )
    query = (
        Appointment.select(Appointment.id)
        .where(
            Appointment.start > to_db(now),
            Appointment.start <= to_db(now + deadline),
            Appointment.status == "scheduled",
            Appointment.needs_confirmation == True,  # noqa: E712
            ~fn.EXISTS(done),
        )
        .order_by(Appointment.start)
        .tuples()
    )
    return [appointment_id for (appointment_id,) in query]


# A reminder that asked to confirm offers the confirm answer (its choices are
# stored as JSON [["Confirm", "1"], ...]); a plain reminder does not.
ASKED_TO_CONFIRM = json.dumps(CONFIRM.number) + "]"


def reminder_delivered(appointment: Appointment) -> bool:
    """Was a reminder asking to confirm the visit's current time sent or delivered?

    A plain reminder (sent while staff said no confirmation was needed) does
    not count: the patient was never asked, so they cannot have failed to.
    Nor does one that reached them only by email, which they cannot answer.
    Any row of the reminder's chain (tried again on another channel) counts.
    """
    chain = (Message.id == ReminderClaim.message) | (
        Message.fallback_of == ReminderClaim.message
    )
    return (
        ReminderClaim.select()
        .join(Message, on=chain)
        .where(
            ReminderClaim.appointment == appointment.id,
            ReminderClaim.start == appointment.start,
            ReminderClaim.kind.startswith("lead:"),
            Message.status.in_(DELIVERED),
            Message.channel != "email",
            Message.choices.contains(ASKED_TO_CONFIRM),
        )
        .exists()
    )


def _notify_cancelled(appointment: Appointment, policy: Policy, now: dt.datetime):
    patient = appointment.patient
    _, body = visit_text(
        "sched_auto_cancelled",
        patient=patient,
        doctor=appointment.doctor.name,
        start=from_db(appointment.start),
        policy=policy,
    )
    channel = address = None
    if mail.wants_email(
        patient.email, patient.email_opt_out, patient.preferred_channel
    ):
        # booking.cancel has emailed them (with the invite's CANCEL): say it
        # once more only where they read texts, if they have such a channel.
        texts = [route for route in routes(patient) if route[0] != "email"]
        if not texts:
            return
        channel, address = texts[0]
    # Urgent: the visit is minutes away and the patient may be on the way.
    enqueue(
        patient,
        body,
        now=now,
        kind="notice",
        appointment_id=appointment.id,
        urgent=True,
        channel=channel,
        address=address,
    )


def enforce_deadline(appointment_id: int, policy: Policy, now: dt.datetime) -> str:
    """Handle one visit's deadline in one transaction; return what was done."""
    deadline = dt.timedelta(minutes=policy.confirm_deadline_minutes)
    with write_transaction():
        appointment = (
            Appointment.select(Appointment, Patient, Doctor)
            .join(Patient)
            .switch(Appointment)
            .join(Doctor)
            .where(Appointment.id == appointment_id)
            .first()
        )
        if (
            appointment is None
            or appointment.status != "scheduled"
            or not appointment.needs_confirmation
            or not now < from_db(appointment.start) <= now + deadline
        ):
            return "changed"  # confirmed, cancelled or moved a moment earlier
        start = from_db(appointment.start)
        if not booking.hold_unconfirmed(appointment.id, start, now):
            return "changed"
        work = claims.claim(appointment.id, KIND, start, now)
        if work is None:
            return "claimed_elsewhere"
        patient = appointment.patient
        if not policy.auto_cancel_unconfirmed:
            outcome = "kept_by_policy"
        elif first_route(patient) is None:
            outcome = "flagged"
            flag_patient(
                patient,
                "Unconfirmed visit soon; patient has opted out or blocked the bot",
                now,
                appointment.id,
            )
        elif not reminder_delivered(appointment):
            outcome = "flagged"
            flag_patient(
                patient,
                "Unconfirmed visit soon; no reminder was delivered",
                now,
                appointment.id,
            )
        else:
            try:
                booking.cancel(appointment.id, audit.SYSTEM, AUTO_REASON, now)
            except InvalidTransition:
                outcome = "changed"  # the compare-and-set lost to a confirmation
            else:
                _notify_cancelled(appointment, policy, now)
                outcome = "auto_cancelled"
        claims.settle(work, outcome)
    log.info("deadline for appointment %s: %s", appointment_id, outcome)
    return outcome


def run_deadlines(policy: Policy, now: dt.datetime) -> Counter:
    """Enforce every confirmation deadline that has come."""
    counts: Counter = Counter()
    for appointment_id in find_unconfirmed(policy, now):
        counts[f"deadline_{enforce_deadline(appointment_id, policy, now)}"] += 1
    return counts
