"""Doctors and departments for the console: create, edit, deactivate, list."""

from __future__ import annotations

import json

from peewee import IntegrityError

from core.clinic.queries import parse_names
from core.errors import InvalidInput, NotFound
from core.messaging.texts import DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGES
from core.models import Department, Doctor, DoctorVisitType, VisitType
from core.storage.db import write_transaction

# The languages a department or visit type can be given a name in, besides
# its own name (which is English, the texts' default language).
TRANSLATED = tuple(lang for lang in LANGUAGES if lang != DEFAULT_LANGUAGE)
TRANSLATED_NAME_LIMIT = 60


def _name(text: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput(f"Please give the {what}'s name.")
    if len(text) > 120:
        raise InvalidInput(f"The {what}'s name is too long.")
    return text


def clean_names(names: dict[str, str], what: str) -> str:
    """Names in other languages as stored: JSON {"es": "Pediatría"}; blank is none.

    Raise InvalidInput for an unknown language or a name over 60 characters.
    """
    if not isinstance(names, dict):
        raise InvalidInput(f"The {what}'s other names must be given per language.")
    clean = {}
    for lang, text in names.items():
        if lang not in LANGUAGES:
            raise InvalidInput(f"Language must be one of {', '.join(LANGUAGES)}.")
        if text is not None and not isinstance(text, str):
            raise InvalidInput(f"The {what}'s name must be text.")
        text = (text or "").strip()
        if len(text) > TRANSLATED_NAME_LIMIT:
            raise InvalidInput(
                f"The {what}'s name in {LANGUAGE_NAMES.get(lang, lang)} is too long:"
                f" at most {TRANSLATED_NAME_LIMIT} characters."
            )
        if text:
            clean[lang] = text
    return json.dumps(clean, ensure_ascii=False, sort_keys=True)


def save_department(
    name: str,
    department_id: int | None = None,
    *,
    names: dict[str, str] | None = None,
) -> Department:
    """Create or rename a department; names are unique.

    names: its name in other languages ({"es": "Pediatría"}), replacing the
    stored ones; None leaves them as they are.
    """
    name = _name(name, "department")
    values = {"name": name}
    if names is not None:
        values["names"] = clean_names(names, "department")
    try:
        with write_transaction():
            if department_id is None:
                return Department.create(**values)
            renamed = (
                Department.update(**values)
                .where(Department.id == department_id)
                .execute()
            )
            if not renamed:
                raise NotFound("That department does not exist.")
            return Department.get_by_id(department_id)
    except IntegrityError:
        raise InvalidInput(f"There is already a department called {name}.") from None


def set_department_active(department_id: int, active: bool) -> None:
    if (
        not Department.update(active=active)
        .where(Department.id == department_id)
        .execute()
    ):
        raise NotFound("That department does not exist.")


def save_doctor(
    name: str,
    department_id: int,
    specialisation: str = "",
    visit_type_ids: list[int] | None = None,
    doctor_id: int | None = None,
) -> Doctor:
    """Create or edit a doctor and which visit types they offer."""
    name = _name(name, "doctor")
    if not Department.select().where(Department.id == department_id).exists():
        raise InvalidInput("Please choose a department.")
    with write_transaction():
        if doctor_id is None:
            doctor = Doctor.create(
                name=name, department=department_id, specialisation=specialisation[:120]
            )
        else:
            edited = (
                Doctor.update(
                    name=name,
                    department=department_id,
                    specialisation=specialisation[:120],
                )
                .where(Doctor.id == doctor_id)
                .execute()
            )
            if not edited:
                raise NotFound("That doctor does not exist.")
            doctor = Doctor.get_by_id(doctor_id)
        if visit_type_ids is not None:
            known = {
                vid
                for (vid,) in VisitType.select(VisitType.id)
                .where(VisitType.id.in_(visit_type_ids))
                .tuples()
            }
            DoctorVisitType.delete().where(
                DoctorVisitType.doctor == doctor.id
            ).execute()
            for vid in sorted(known):
                DoctorVisitType.create(doctor=doctor.id, visit_type=vid)
    return doctor


def set_doctor_active(doctor_id: int, active: bool) -> None:
    """Deactivate: no new bookings; existing visits stay for staff to handle."""
    if not Doctor.update(active=active).where(Doctor.id == doctor_id).execute():
        raise NotFound("That doctor does not exist.")


def doctor_admin_list() -> list[dict]:
    """Every doctor, active or not, with department, for the Doctors page."""
    rows = (
        Doctor.select(
            Doctor.id,
            Doctor.name,
            Doctor.active,
            Doctor.specialisation,
            Department.name,
        )
        .join(Department)
        .order_by(Doctor.active.desc(), Doctor.name)
        .tuples()
    )
    return [
        {"id": i, "name": n, "active": a, "specialisation": s, "department": d}
        for i, n, a, s, d in rows
    ]


def doctor_form(doctor_id: int) -> dict:
    doctor = Doctor.get_or_none(Doctor.id == doctor_id)
    if doctor is None:
        raise NotFound("That doctor does not exist.")
    offered = {
        vid
        for (vid,) in DoctorVisitType.select(DoctorVisitType.visit_type)
        .where(DoctorVisitType.doctor == doctor_id)
        .tuples()
    }
    return {
        "id": doctor.id,
        "name": doctor.name,
        "department_id": doctor.department_id,
        "specialisation": doctor.specialisation,
        "active": doctor.active,
        "visit_types": offered,
    }


def save_visit_type(
    name: str,
    minutes: int,
    visit_type_id: int | None = None,
    *,
    names: dict[str, str] | None = None,
) -> VisitType:
    """Create or edit a kind of visit doctors can offer, and how long it takes.

    A new length applies to visits booked from now on. names: its name in
    other languages ({"es": "Consulta"}), replacing the stored ones; None
    leaves them as they are.
    """
    name = _name(name, "visit type")
    if not 5 <= minutes <= 8 * 60:
        raise InvalidInput("A visit takes between 5 minutes and 8 hours.")
    values = {"name": name, "minutes": minutes}
    if names is not None:
        values["names"] = clean_names(names, "visit type")
    try:
        with write_transaction():
            if visit_type_id is None:
                return VisitType.create(**values)
            edited = (
                VisitType.update(**values)
                .where(VisitType.id == visit_type_id)
                .execute()
            )
            if not edited:
                raise NotFound("That visit type does not exist.")
            return VisitType.get_by_id(visit_type_id)
    except IntegrityError:
        raise InvalidInput(f"There is already a visit type called {name}.") from None


def all_departments() -> list[dict]:
    rows = Department.select().order_by(Department.name)
    return [
        {"id": d.id, "name": d.name, "active": d.active, "names": parse_names(d.names)}
        for d in rows
    ]


def all_visit_types() -> list[dict]:
    rows = VisitType.select().where(VisitType.active == True).order_by(VisitType.name)  # noqa: E712
    return [
        {
            "id": v.id,
            "name": v.name,
            "minutes": v.minutes,
            "names": parse_names(v.names),
        }
        for v in rows
    ]
