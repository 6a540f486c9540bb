"""Who a message is from: find, create or link the patient behind an address."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from core.clinic import booking, waitlist
from core.dialog import queries
from core.errors import InvalidInput
from core.messaging import patients
from core.messaging.inbound import Inbound
from core.messaging.phones import normalize_phone
from core.messaging.texts import language
from core.models import Patient
from core.policy import Policy


def storable(text: str | None) -> str:
    """Text any database accepts: no NUL (PostgreSQL refuses it), no lone surrogates."""
    text = (text or "").replace("\x00", "")
    return text.encode("utf-8", "replace").decode("utf-8")


def phone_for(inbound: Inbound) -> str:
    """The phone a sms/whatsapp/console address stands for.

    A simulator session id that is no phone gets a stable number in the
    fictional +1 555 range, so the simulated patient is a normal one.
    """
    try:
        return normalize_phone(inbound.address.removeprefix("whatsapp:"))
    except InvalidInput:
        if inbound.channel in ("sms", "whatsapp"):
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
    whatsapp_opt_out: bool

    def opted_out(self, channel: str) -> bool:
        """Whether the patient sent STOP on this channel (WhatsApp keeps its own)."""
        return self.whatsapp_opt_out if channel == "whatsapp" else self.sms_opt_out


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
    patient_id = patients.create(
        now,
        **identity,
        name=storable(inbound.name).strip()[:80],
        language=language(policy.default_language),
    )
    return PatientRow(*queries.PATIENT_BY_ID.first(patient_id))


def link_phone(row: PatientRow, raw: str, address: str) -> PatientRow:
    """Telegram shared a phone: make the patient with that phone own this chat."""
    try:
        phone = normalize_phone(raw)
    except InvalidInput:
        return row
    if row.phone == phone:
        return row
    owner = Patient.get_or_none(Patient.phone == phone)
    if owner is None:
        patients.set_phone(row.id, phone)
        return PatientRow(*queries.PATIENT_BY_ID.first(row.id))
    # Merge the chat-only patient into the phone patient, who keeps the history.
    booking.reassign_patient(row.id, owner.id)
    waitlist.reassign_patient(row.id, owner.id)
    patients.merge_chat_into(row.id, owner, address)
    return PatientRow(*queries.PATIENT_BY_ID.first(owner.id))
