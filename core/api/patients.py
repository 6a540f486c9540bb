"""Patients for the API: search, one by id, register, and change details.

Writes go through core.messaging.patients (the one writer of `patient`);
each change also writes an audit row naming the API token that made it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from msgspec import UNSET
from peewee import IntegrityError, fn

from core import audit
from core.api import schemas
from core.clock import from_db
from core.errors import InvalidInput, NotFound
from core.messaging import patients
from core.messaging.phones import normalize_phone
from core.models import Patient
from core.storage.db import write_transaction

CANDIDATES = 1000  # rows a name pattern may find before accents are compared
COLUMNS = (
    Patient.id,
    Patient.name,
    Patient.phone,
    Patient.email,
    Patient.language,
    Patient.telegram_chat_id,
    Patient.sms_opt_out,
    Patient.created_at,
)


class PatientExists(InvalidInput):
    """The phone or email already belongs to another patient (a 409)."""


def _row(row: tuple) -> schemas.Patient:
    i, name, phone, email, language, chat, opted_out, created = row
    return schemas.Patient(
        id=i,
        name=name,
        phone=phone,
        email=email,
        language=language,
        telegram=bool(chat),
        sms_opt_out=bool(opted_out),
        created_at=from_db(created),
    )


def folded(text: str) -> str:
    """Lower case without accents: "García" -> "garcia"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _candidates(text: str) -> str:
    """A LIKE pattern that finds every accented spelling of text (and more).

    A letter that has accented forms becomes `_` (any one character); the
    rows found are then compared with accents folded away, in Python.
    """
    plain = re.sub(r"[%_\\]", "", folded(text))
    return "%" + re.sub(r"[aeiouycn]", "_", plain) + "%"


def search(query: schemas.PatientQuery) -> schemas.Patients:
    """Patients whose name or email contains q (accents ignored), or whose
    phone has its digits."""
    text = folded(query.q.strip())
    digits = re.sub(r"\D", "", text)
    condition = fn.LOWER(Patient.name) ** _candidates(text)
    condition |= fn.LOWER(Patient.email).contains(text)
    if len(digits) >= 3:
        condition |= Patient.phone.contains(digits)
    rows = (
        Patient.select(*COLUMNS)
        .where(condition)
        .order_by(Patient.name, Patient.id)
        .limit(CANDIDATES)
    )
    found = [
        row
        for row in rows.tuples()
        if text in folded(row[1])
        or text in (row[3] or "").lower()
        or (len(digits) >= 3 and digits in (row[2] or ""))
    ]
    return schemas.Patients(data=[_row(row) for row in found[: query.limit]])


def get(patient_id: int) -> schemas.Patient:
    found = Patient.select(*COLUMNS).where(Patient.id == patient_id).tuples().first()
    if found is None:
        raise NotFound("That patient does not exist.")
    return _row(found)


def _phone(raw: str) -> str:
    try:
        return normalize_phone(raw)
    except InvalidInput as error:
        raise InvalidInput(str(error), "phone") from None


def _taken(column, value, patient_id: int | None = None) -> bool:
    others = Patient.select().where(column == value)
    if patient_id is not None:
        others = others.where(Patient.id != patient_id)
    return others.exists()


def _check_free(phone: str | None, email: str | None, patient_id=None) -> None:
    if phone and _taken(Patient.phone, phone, patient_id):
        raise PatientExists("That phone number belongs to another patient.", "phone")
    if email and _taken(Patient.email, email, patient_id):
        raise PatientExists("That email address belongs to another patient.", "email")


def create(
    body: schemas.PatientCreate, actor: audit.Actor, now: dt.datetime
) -> schemas.Patient:
    """Register a patient (as staff do for a patient who phoned)."""
    phone = _phone(body.phone)
    email = patients.valid_email(body.email) if body.email else None
    try:
        with write_transaction():
            _check_free(phone, email)
            patient = patients.register(body.name, phone, body.language, email)
            audit.record(actor, "patient.create", now, patient_id=patient.id)
    except IntegrityError:  # another writer registered the number first
        raise PatientExists(
            "That phone number or email belongs to another patient."
        ) from None
    return get(patient.id)


def update(
    patient_id: int, body: schemas.PatientUpdate, actor: audit.Actor, now: dt.datetime
) -> schemas.Patient:
    """Change the fields sent; the others stay as they are."""
    name = None
    if body.name is not UNSET:
        name = body.name.strip()[: patients.MAX_NAME]
        if not name:
            raise InvalidInput("Please give the patient's name.", "name")
    phone = _phone(body.phone) if body.phone is not UNSET else None
    email = body.email if body.email is not UNSET else UNSET
    if email:
        email = patients.valid_email(email)
    changed = sorted(
        f
        for f in ("name", "phone", "language", "email")
        if getattr(body, f) is not UNSET
    )
    try:
        with write_transaction():
            current = Patient.get_or_none(Patient.id == patient_id)
            if current is None:
                raise NotFound("That patient does not exist.")
            _check_free(phone, email or None, patient_id)
            if name is not None:
                patients.update_profile(patient_id, {"name": name})
            if phone is not None:
                patients.set_phone(patient_id, phone)
            if email is not UNSET or body.language is not UNSET:
                patients.set_contact(
                    patient_id,
                    email=current.email if email is UNSET else email,
                    preferred_channel=current.preferred_channel,
                    language=current.language
                    if body.language is UNSET
                    else body.language,
                )
            if changed:
                audit.record(
                    actor, "patient.update", now, patient_id=patient_id, fields=changed
                )
    except IntegrityError:
        raise PatientExists(
            "That phone number or email belongs to another patient."
        ) from None
    return get(patient_id)
