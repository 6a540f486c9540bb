"""What staff do for patients in the console: register and book, reply, waitlist."""

from __future__ import annotations

import datetime as dt

from core.clinic import booking, waitlist
from core.errors import InvalidInput, NotFound
from core.messaging import patients
from core.messaging.outbox import enqueue
from core.models import Appointment, Message, Patient
from core.storage.db import write_transaction

MAX_REPLY = 640  # four SMS segments; staff replies should stay short


def book_for_new_patient(
    name: str, phone: str, email: str | None = None, **booking_args
) -> Appointment:
    """Register a patient and book their visit as one unit: both or neither.

    A refused booking (time just taken, too soon) must not leave a patient
    behind whose number (or email) then blocks the retry.
    """
    with write_transaction():
        patient = patients.register(name, phone, email=email)
        return booking.book(patient_id=patient.id, **booking_args)


def reply_to_patient(patient_id: int, body: str, now: dt.datetime) -> Message:
    """Queue a staff message on the patient's channel (the dispatcher sends it)."""
    body = body.strip()
    if not body:
        raise InvalidInput("The reply is empty.")
    if len(body) > MAX_REPLY:
        raise InvalidInput(f"Keep replies under {MAX_REPLY} characters.")
    with write_transaction():
        patient = Patient.get_or_none(Patient.id == patient_id)
        if patient is None:
            raise NotFound("That patient does not exist.")
        return enqueue(patient, body, now=now, kind="staff")


def remove_from_waitlist(entry_id: int) -> None:
    """Take a patient off the waitlist (kept as expired for the record)."""
    if not waitlist.remove(entry_id):
        raise NotFound("That waitlist entry is not waiting any more.")
