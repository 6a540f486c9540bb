"""Patients as the people we text: how we reach them, their language, consent.

The one writer of `patient`. A patient is found by E.164 phone (SMS, the
console) or Telegram chat id; "share my phone number" on Telegram links the
two. Staff register patients who book by phone; a carrier opt-out or a
blocked bot marks a way of reaching them as closed.
"""

from __future__ import annotations

import datetime as dt

from core.clock import to_db
from core.errors import InvalidInput
from core.messaging import outbox
from core.messaging.phones import normalize_phone
from core.messaging.texts import LANGUAGES
from core.models import Patient
from core.policy import load_policy
from core.storage.db import write_transaction

MAX_NAME = 120
# Fields a dialog turn may change (a name given, consent, language, STOP/START).
PROFILE = {"name", "consent_at", "language", "sms_opt_out"}


def create(
    now: dt.datetime,
    *,
    name: str,
    language: str,
    phone: str | None = None,
    telegram_chat_id: str | None = None,
    consent_at: dt.datetime | None = None,
    sms_opt_out: bool = False,
) -> int:
    """A patient first heard from on a channel (or seeded); their id."""
    return Patient.insert(
        phone=phone,
        telegram_chat_id=telegram_chat_id,
        name=name,
        language=language,
        consent_at=to_db(consent_at) if consent_at else None,
        sms_opt_out=sms_opt_out,
        created_at=to_db(now),
    ).execute()


def register(name: str, phone: str, language: str = "en") -> Patient:
    """Register a patient from the console (they book by phone, staff type them in)."""
    name = name.strip()[:MAX_NAME]
    if not name:
        raise InvalidInput("Please give the patient's name.")
    e164 = normalize_phone(phone)
    if language not in LANGUAGES:
        raise InvalidInput("Language must be en or es.")
    with write_transaction():
        if Patient.select().where(Patient.phone == e164).exists():
            raise InvalidInput(f"{e164} already belongs to a patient; search for it.")
        return Patient.create(name=name, phone=e164, language=language)


def update_profile(patient_id: int, changes: dict) -> None:
    """Apply what a conversation learnt about the patient (see PROFILE)."""
    unknown = set(changes) - PROFILE
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    if "consent_at" in changes:
        changes = changes | {"consent_at": to_db(changes["consent_at"])}
    Patient.update(**changes).where(Patient.id == patient_id).execute()


def set_phone(patient_id: int, phone: str) -> None:
    Patient.update(phone=phone).where(Patient.id == patient_id).execute()


def merge_chat_into(chat_patient: int, owner: Patient, chat_id: str) -> None:
    """Make owner (who has the phone) the patient of this Telegram chat.

    The chat-only record gives up the chat and its messages; the caller moves
    what other tables hold (visits, waitlist) in the same transaction.
    """
    other = Patient.get_by_id(chat_patient)
    outbox.reassign_patient(chat_patient, owner.id)
    Patient.update(telegram_chat_id=None).where(Patient.id == chat_patient).execute()
    Patient.update(
        telegram_chat_id=chat_id,
        name=owner.name or other.name,
        consent_at=owner.consent_at or other.consent_at,
    ).where(Patient.id == owner.id).execute()


def close_channel(patient_id: int, channel: str) -> None:
    """The number opted out at the carrier, or the patient blocked the bot."""
    column = Patient.sms_opt_out if channel == "sms" else Patient.telegram_blocked
    Patient.update({column: True}).where(Patient.id == patient_id).execute()


def unblock(patient_id: int) -> None:
    """The patient let the Telegram bot write to them again."""
    Patient.update(telegram_blocked=False).where(Patient.id == patient_id).execute()


def by_chat(chat_id: str) -> Patient | None:
    return Patient.get_or_none(Patient.telegram_chat_id == chat_id)


def by_address(channel: str, address: str) -> Patient | None:
    """The patient behind an SMS number or a Telegram chat, if we know them."""
    if channel == "sms":
        return Patient.get_or_none(Patient.phone == address)
    return by_chat(address)


def language_of(channel: str, address: str) -> str:
    """The patient's language if we know them, else the clinic's default."""
    column = Patient.phone if channel == "sms" else Patient.telegram_chat_id
    known = Patient.select(Patient.language).where(column == address).first()
    return known.language if known else load_policy().default_language


def needs_phone(chat_id: str) -> bool:
    """Whether this chat's patient has no phone number yet (so could share one)."""
    patient = by_chat(chat_id)
    return patient is not None and not patient.phone
