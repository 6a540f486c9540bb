"""The queries a dialog turn runs on every message, prepared once (core/prepared.py)."""

from __future__ import annotations

from peewee import JOIN

from core.models import Conversation, Message, Patient
from core.storage.db import is_sqlite
from core.storage.prepared import Prepared

PATIENT_COLUMNS = (
    Patient.id,
    Patient.name,
    Patient.language,
    Patient.consent_at,
    Patient.sms_opt_out,
    Patient.phone,
)


def _conversation(channel: str, address: str):
    query = (
        Conversation.select(
            Conversation.id,
            Conversation.state,
            Conversation.data,
            Conversation.misunderstood,
            Conversation.updated_at,
            *PATIENT_COLUMNS,
        )
        .join(Patient, JOIN.LEFT_OUTER)
        .where(Conversation.channel == channel, Conversation.address == address)
    )
    if is_sqlite():
        return query  # BEGIN IMMEDIATE already serialises turns
    # Two quick messages from one patient (a double-tap on "Yes, book") must
    # not both start from the same state: the second waits for the first.
    return query.for_update(of=Conversation)


CONVERSATION = Prepared(_conversation)
PATIENT_BY_PHONE = Prepared(
    lambda phone: Patient.select(*PATIENT_COLUMNS).where(Patient.phone == phone)
)
PATIENT_BY_CHAT = Prepared(
    lambda chat_id: Patient.select(*PATIENT_COLUMNS).where(
        Patient.telegram_chat_id == chat_id
    )
)
PATIENT_BY_ID = Prepared(
    lambda patient_id: Patient.select(*PATIENT_COLUMNS).where(Patient.id == patient_id)
)

_MESSAGE_GIVEN = {
    "direction", "channel", "address", "patient", "kind", "body", "choices",
    "provider_id", "status", "urgent", "attempts", "created_at", "sent_at",
    "next_attempt_at",
}  # fmt: skip
# peewee writes columns in declaration order; parameters must follow it.
_MESSAGE_COLUMNS = [
    name for name in Message._meta.sorted_field_names if name in _MESSAGE_GIVEN
]
MESSAGE = Prepared(
    lambda *values: Message.insert(dict(zip(_MESSAGE_COLUMNS, values, strict=True)))
)


def insert_message(**fields) -> int:
    """Insert one Message row (any column not given is NULL or empty); its id."""
    defaults = {
        "choices": "",
        "provider_id": None,
        "sent_at": None,
        "next_attempt_at": None,
        "urgent": False,
        "attempts": 0,
    }
    values = defaults | fields
    cursor = MESSAGE.execute(*(values[name] for name in _MESSAGE_COLUMNS))
    if is_sqlite():
        return cursor.lastrowid
    return cursor.fetchone()[0]  # PostgreSQL: peewee added RETURNING id


CONVERSATION_UPDATE = Prepared(
    lambda patient, state, data, language, misunderstood, at, conversation_id: (
        Conversation.update(
            patient=patient,
            state=state,
            data=data,
            language=language,
            misunderstood=misunderstood,
            updated_at=at,
        ).where(Conversation.id == conversation_id)
    )
)


def update_conversation(conversation_id: int, fields: dict) -> None:
    CONVERSATION_UPDATE.execute(
        fields["patient"],
        fields["state"],
        fields["data"],
        fields["language"],
        fields["misunderstood"],
        fields["updated_at"],
        conversation_id,
    )
