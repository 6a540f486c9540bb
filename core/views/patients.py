"""Patients for the console: search, and a patient's page with their transcript."""

from __future__ import annotations

import re

from peewee import fn

from core.clock import from_db
from core.errors import NotFound
from core.messaging.outbox import first_route
from core.models import Appointment, Doctor, Message, Patient
from core.policy import Policy


def search_patients(
    query: str, limit: int = 50, doctor_id: int | None = None
) -> list[dict]:
    """Patients whose name or phone contains query (digits match phones)."""
    query = query.strip()[:100]
    if not query:
        return []
    digits = re.sub(r"\D", "", query)
    condition = fn.LOWER(Patient.name).contains(query.lower())
    if len(digits) >= 3:
        condition |= Patient.phone.contains(digits)
    rows = Patient.select(
        Patient.id, Patient.name, Patient.phone, Patient.telegram_chat_id
    ).where(condition)
    if doctor_id is not None:
        rows = rows.where(Patient.id.in_(_patients_of(doctor_id)))
    return [
        {"id": i, "name": n or "(no name)", "phone": p or "", "telegram": bool(t)}
        for i, n, p, t in rows.order_by(Patient.name, Patient.id).limit(limit).tuples()
    ]


def _patients_of(doctor_id: int):
    return Appointment.select(Appointment.patient).where(
        Appointment.doctor == doctor_id
    )


def is_patient_of(patient_id: int, doctor_id: int) -> bool:
    return (
        Appointment.select()
        .where(Appointment.patient == patient_id, Appointment.doctor == doctor_id)
        .exists()
    )


def patient_page(patient_id: int, policy: Policy, doctor_id: int | None = None) -> dict:
    """A patient's details, visits and whole transcript across channels."""
    patient = Patient.get_or_none(Patient.id == patient_id)
    if patient is None or (
        doctor_id is not None and not is_patient_of(patient_id, doctor_id)
    ):
        raise NotFound("That patient does not exist.")
    tz = policy.tz
    visits = (
        Appointment.select(
            Appointment.id, Appointment.start, Appointment.status, Doctor.name
        )
        .join(Doctor)
        .where(Appointment.patient == patient_id)
        .order_by(Appointment.start.desc())
    )
    if doctor_id is not None:
        visits = visits.where(Appointment.doctor == doctor_id)
    transcript = (
        Message.select(
            Message.created_at,
            Message.direction,
            Message.channel,
            Message.kind,
            Message.body,
            Message.status,
            Message.error_code,
        )
        .where(Message.patient == patient_id)
        .order_by(Message.created_at, Message.id)
    )
    if doctor_id is not None:
        # A doctor reads only what was said about their own visits.
        own = Appointment.select(Appointment.id).where(
            Appointment.doctor == doctor_id, Appointment.patient == patient_id
        )
        transcript = transcript.where(Message.appointment.in_(own))
    route = first_route(patient)
    return {
        "patient": {
            "id": patient.id,
            "name": patient.name or "(no name)",
            "phone": patient.phone or "",
            "telegram": patient.telegram_chat_id or "",
            "language": patient.language,
            "sms_opt_out": patient.sms_opt_out,
            "telegram_blocked": patient.telegram_blocked,
            "reachable_on": route[0] if route else "",
        },
        "visits": [
            {
                "id": i,
                "start": from_db(s).astimezone(tz),
                "status": st,
                "doctor": d,
            }
            for i, s, st, d in visits.tuples()
        ],
        "transcript": [
            {
                "at": from_db(at).astimezone(tz),
                "direction": direction,
                "channel": channel,
                "kind": kind,
                "body": body,
                "status": status,
                "error_code": code or "",
            }
            for at, direction, channel, kind, body, status, code in transcript.tuples()
        ],
    }
