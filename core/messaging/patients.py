"""Patients as the people we text: how we reach them, their language, consent.

The one writer of `patient`. A patient is found by E.164 phone (SMS, the
console) or Telegram chat id; "share my phone number" on Telegram links the
two. Staff register patients who book by phone; a carrier opt-out or a
blocked bot marks a way of reaching them as closed.
"""

from __future__ import annotations

import datetime as dt
import re

from peewee import IntegrityError

from core.clock import to_db
from core.errors import InvalidInput, NotFound
from core.messaging import outbox
from core.messaging.phones import normalize_phone
from core.messaging.texts import LANGUAGES
from core.models import Patient
from core.policy import load_policy
from core.storage.db import write_transaction

MAX_NAME = 120
# Fields a dialog turn may change (a name given, consent, language, STOP/START
# on SMS or WhatsApp, an email address given, the time they last wrote on WhatsApp).
PROFILE = {"name", "consent_at", "language", "sms_opt_out", "whatsapp_opt_out",
           "email", "preferred_channel", "whatsapp_seen_at"}  # fmt: skip
# Where an opt-out (STOP) on a channel is kept; Telegram's /stop stops texts.
OPT_OUT_COLUMN = {"whatsapp": "whatsapp_opt_out", "email": "email_opt_out"}
CHOOSABLE = ("", "telegram", "whatsapp", "sms", "email")  # "" lets ClinicBot choose
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[A-Za-z]{2,}$")
MAX_EMAIL = 254


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


def register(
    name: str, phone: str, language: str = "en", email: str | None = None
) -> Patient:
    """Register a patient from the console (they book by phone, staff type them in)."""
    name = name.strip()[:MAX_NAME]
    if not name:
        raise InvalidInput("Please give the patient's name.", "name")
    try:
        e164 = normalize_phone(phone)
    except InvalidInput as exc:
        raise InvalidInput(str(exc), "phone") from None
    if language not in LANGUAGES:
        raise InvalidInput("Language must be en or es.", "language")
    email = valid_email(email) if email else None
    with write_transaction():
        if Patient.select().where(Patient.phone == e164).exists():
            raise InvalidInput(
                f"{e164} already belongs to a patient; search for it.", "phone"
            )
        if email and _email_taken(email):
            raise InvalidInput(
                f"{email} already belongs to a patient; search for it.", "email"
            )
        return Patient.create(name=name, phone=e164, language=language, email=email)


def update_profile(patient_id: int, changes: dict) -> None:
    """Apply what a conversation learnt about the patient (see PROFILE)."""
    unknown = set(changes) - PROFILE
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    for moment in ("consent_at", "whatsapp_seen_at"):
        if changes.get(moment):
            changes = changes | {moment: to_db(changes[moment])}
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


def opt_out_column(channel: str) -> str:
    """The patient column a STOP on this channel sets."""
    return OPT_OUT_COLUMN.get(channel, "sms_opt_out")


def close_channel(patient_id: int, channel: str) -> None:
    """The number opted out at the carrier, the bot was blocked, the email bounced."""
    column = "telegram_blocked" if channel == "telegram" else opt_out_column(channel)
    Patient.update({column: True}).where(Patient.id == patient_id).execute()


def valid_email(raw: str) -> str:
    """The address as stored (trimmed, domain in lower case), or InvalidInput."""
    email = (raw or "").strip()
    if len(email) > MAX_EMAIL or not EMAIL.match(email):
        raise InvalidInput("That does not look like an email address.", "email")
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def save_email(patient_id: int, raw: str, *, prefer: bool) -> None:
    """The patient gave their email in a conversation (and may prefer it)."""
    email = valid_email(raw)
    taken = Patient.select().where(Patient.email == email, Patient.id != patient_id)
    if taken.exists():
        raise InvalidInput("That email address is already on another patient's file.")
    changes = {"email": email, "email_opt_out": False}
    if prefer:
        changes["preferred_channel"] = "email"
    Patient.update(changes).where(Patient.id == patient_id).execute()


def _email_taken(email: str, patient_id: int | None = None) -> bool:
    """Another patient has this address (it is unique; see set_contact for races)."""
    others = Patient.select().where(Patient.email == email)
    if patient_id is not None:
        others = others.where(Patient.id != patient_id)
    return others.exists()


def set_contact(
    patient_id: int, *, email: str | None, preferred_channel: str, language: str
) -> None:
    """Staff set how a patient is reached: email (or none), channel, language."""
    email = valid_email(email) if email else None
    if preferred_channel not in CHOOSABLE:
        raise InvalidInput("Choose one of the channels offered.", "preferred_channel")
    if language not in LANGUAGES:
        raise InvalidInput("Language must be en or es.", "language")
    with write_transaction():
        patient = Patient.get_or_none(Patient.id == patient_id)
        if patient is None:
            raise NotFound("That patient does not exist.")
        if email and _email_taken(email, patient_id):
            raise InvalidInput(f"{email} already belongs to another patient.", "email")
        changes = {
            "email": email,
            "preferred_channel": preferred_channel,
            "language": language,
        }
        if email != patient.email:
            changes["email_opt_out"] = False  # a new address has not bounced
        try:
            Patient.update(changes).where(Patient.id == patient_id).execute()
        except IntegrityError:  # another writer gave the address to someone first
            raise InvalidInput(
                f"{email} already belongs to another patient.", "email"
            ) from None


def unblock(patient_id: int) -> None:
    """The patient let the Telegram bot write to them again."""
    Patient.update(telegram_blocked=False).where(Patient.id == patient_id).execute()


def by_chat(chat_id: str) -> Patient | None:
    return Patient.get_or_none(Patient.telegram_chat_id == chat_id)


def _who(channel: str, address: str):
    """The condition that finds the patient behind an address on a channel."""
    if channel == "telegram":
        return Patient.telegram_chat_id == address
    if channel == "email":
        return Patient.email == address
    return Patient.phone == address.removeprefix("whatsapp:")  # sms, whatsapp


def by_address(channel: str, address: str) -> Patient | None:
    """The patient behind a number, a WhatsApp or Telegram chat, or an email."""
    return Patient.get_or_none(_who(channel, address))


def language_of(channel: str, address: str) -> str:
    """The patient's language if we know them, else the clinic's default."""
    known = Patient.select(Patient.language).where(_who(channel, address)).first()
    return known.language if known else load_policy().default_language


def needs_phone(chat_id: str) -> bool:
    """Whether this chat's patient has no phone number yet (so could share one)."""
    patient = by_chat(chat_id)
    return patient is not None and not patient.phone
