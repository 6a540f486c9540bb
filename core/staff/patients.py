"""What staff do for patients in the console: register and book, reply, waitlist."""

from __future__ import annotations

import datetime as dt

from core.clinic import booking, waitlist
from core.errors import InvalidInput, NotFound
from core.messaging import conversations, patients
from core.messaging.outbox import enqueue
from core.models import Appointment, Conversation, Message, Patient
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


def _checked(body: str) -> str:
    body = body.strip()
    if not body:
        raise InvalidInput("The reply is empty.", field="body")
    if len(body) > MAX_REPLY:
        raise InvalidInput(f"Keep replies under {MAX_REPLY} characters.", field="body")
    return body


def _send(patient: Patient, body: str, now: dt.datetime, chats) -> Message:
    route = conversations.reply_route(patient, chats)
    if route is None:  # their chats are closed: their best channel, if any
        return enqueue(patient, body, now=now, kind="staff")
    channel, address = route
    return enqueue(
        patient, body, now=now, kind="staff", channel=channel, address=address
    )


def reply_to_patient(patient_id: int, body: str, now: dt.datetime) -> Message:
    """Queue a staff message in the patient's latest open chat, else their best."""
    body = _checked(body)
    with write_transaction():
        patient = Patient.get_or_none(Patient.id == patient_id)
        if patient is None:
            raise NotFound("That patient does not exist.")
        chats = list(
            Conversation.select(Conversation.channel, Conversation.address)
            .where(Conversation.patient == patient_id)
            .order_by(Conversation.updated_at.desc(), Conversation.id.desc())
        )
        return _send(patient, body, now, chats)


def reply_in_conversation(conversation_id: int, body: str, now: dt.datetime) -> Message:
    """Queue a staff reply in this chat (on its channel while it is open); now seen."""
    body = _checked(body)
    with write_transaction():
        chat = Conversation.get_or_none(Conversation.id == conversation_id)
        if chat is None:
            raise NotFound("That conversation does not exist.")
        patient = (
            Patient.get_or_none(Patient.id == chat.patient_id)
            if chat.patient_id
            else None
        )
        if patient is not None:
            message = _send(patient, body, now, [chat])
        elif chat.channel in ("sms", "whatsapp", "telegram", "console"):
            # A chat whose first message failed before a patient was made.
            message = enqueue(
                None, body, now=now, kind="staff",
                channel=chat.channel, address=chat.address,
            )  # fmt: skip
        else:
            raise InvalidInput("This conversation has no way to reach the patient.")
        conversations.mark_seen(conversation_id, now)
        return message


def remove_from_waitlist(entry_id: int) -> None:
    """Take a patient off the waitlist (kept as expired for the record)."""
    if not waitlist.remove(entry_id):
        raise NotFound("That waitlist entry is not waiting any more.")
