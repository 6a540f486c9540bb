"""Who a message is from: find, create or link the patient behind an address."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from core.clock import to_db
from core.dialog import queries
from core.errors import InvalidInput
from core.messaging.inbound import Inbound
from core.messaging.phones import normalize_phone
from core.messaging.texts import language
from core.models import Appointment, Message, Patient, WaitlistEntry, WaitlistOffer
from core.policy import Policy


def storable(text: str | None) -> str:
    """Text any database accepts: no NUL (PostgreSQL refuses it), no lone surrogates."""
    text = (text or "").replace("\x00", "")
    return text.encode("utf-8", "replace").decode("utf-8")


def phone_for(inbound: Inbound) -> str:
    """The phone a sms/console address stands for.

    A simulator session id that is no phone gets a stable number in the
    fictional +1 555 range, so the simulated patient is a normal one.
    """
    try:
        return normalize_phone(inbound.address)
    except InvalidInput:
        if inbound.channel == "sms":
            return inbound.address
        digest = int(hashlib.sha256(inbound.address.encode()).hexdigest(), 16)
        return f"+1555{digest % 10_000_000:07d}"


@dataclass(frozen=True)
class PatientRow:
    id: int
    name: str
    language: str
    consent_at: dt.datetime | None
    sms_opt_out: bool
    phone: str | None


def find_patient(inbound: Inbound) -> PatientRow | None:
    if inbound.channel == "telegram":
        row = queries.PATIENT_BY_CHAT.first(inbound.address)
    else:
        row = queries.PATIENT_BY_PHONE.first(phone_for(inbound))
    return PatientRow(*row) if row else None


def create_patient(inbound: Inbound, policy: Policy, now: dt.datetime) -> PatientRow:
    identity = (
        {"telegram_chat_id": inbound.address}
        if inbound.channel == "telegram"
        else {"phone": phone_for(inbound)}
    )
    patient = Patient.create(
        **identity,
        name=storable(inbound.name).strip()[:80],
        language=language(policy.default_language),
        created_at=to_db(now),
    )
    return PatientRow(*queries.PATIENT_BY_ID.first(patient.id))


def link_phone(row: PatientRow, raw: str, address: str) -> PatientRow:
    """Telegram shared a phone: make the patient with that phone own this chat."""
    try:
        phone = normalize_phone(raw)
    except InvalidInput:
        return row
    if row.phone == phone:
        return row
    patient = Patient.get_by_id(row.id)
    owner = Patient.get_or_none(Patient.phone == phone)
    if owner is None:
        patient.phone = phone
        patient.save()
        return PatientRow(*queries.PATIENT_BY_ID.first(patient.id))
    # Merge the chat-only patient into the phone patient, who keeps the history.
    for model in (Appointment, WaitlistEntry, WaitlistOffer, Message):
        model.update(patient=owner.id).where(model.patient == patient.id).execute()
    Patient.update(telegram_chat_id=None).where(Patient.id == patient.id).execute()
    owner.telegram_chat_id = address
    owner.name = owner.name or patient.name
    owner.consent_at = owner.consent_at or patient.consent_at
    owner.save()
    return PatientRow(*queries.PATIENT_BY_ID.first(owner.id))
