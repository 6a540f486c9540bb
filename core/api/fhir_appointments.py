"""Visits as FHIR Appointments, for software allowed to see patients.

The patient appears by name only (no Patient resource, no phone); no reason
for the visit is stored, so none is shown.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator

from peewee import JOIN

from core.api.fhir import (
    LOCATION_ID,
    Links,
    instant,
    number_id,
    reference,
    reference_id,
    searchset,
)
from core.api.fhir_search import Query, date_ranges
from core.clock import from_db, to_db
from core.errors import InvalidInput, NotFound
from core.models import Appointment, Doctor, Patient, VisitType
from core.policy import Policy

# ClinicBot status -> FHIR Appointment.status
STATUSES = {
    "scheduled": "booked",
    "confirmed": "booked",
    "completed": "fulfilled",
    "cancelled": "cancelled",
    "no_show": "noshow",
}
FHIR_STATUSES = (
    "proposed", "pending", "booked", "arrived", "fulfilled", "cancelled", "noshow",
    "entered-in-error", "checked-in", "waitlist",
)  # fmt: skip
ATTENDER = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
            "code": "ATND",
            "display": "attender",
        }
    ]
}
_FIELDS = (
    Appointment.id,
    Appointment.start,
    Appointment.end,
    Appointment.status,
    Appointment.needs_confirmation,
    Appointment.confirmed_at,
    Appointment.cancel_reason,
    Appointment.cancelled_by,
    Appointment.created_at,
    Doctor.id,
    Doctor.name,
    VisitType.id,
    VisitType.name,
    Patient.name,
)


def _select():
    return (
        Appointment.select(*_FIELDS)
        .join(Doctor, on=Appointment.doctor == Doctor.id)
        .switch(Appointment)
        .join(VisitType, JOIN.LEFT_OUTER, on=Appointment.visit_type == VisitType.id)
        .switch(Appointment)
        .join(Patient, on=Appointment.patient == Patient.id)
    )


def appointment(row: tuple, policy: Policy, links: Links) -> dict:
    (
        id_, start, end, status, needs_confirmation, confirmed_at, reason,
        cancelled_by, created_at, doctor_id, doctor, visit_type_id, visit_type,
        patient,
    ) = row  # fmt: skip
    tz = policy.tz
    start, end = from_db(start), from_db(end)
    waiting = status == "scheduled" and needs_confirmation and confirmed_at is None
    resource = {
        "resourceType": "Appointment",
        "id": str(id_),
        "status": STATUSES.get(status, "booked"),
        "start": instant(start, tz),
        "end": instant(end, tz),
        "minutesDuration": max(1, round((end - start).total_seconds() / 60)),
        "created": instant(from_db(created_at), tz),
        "participant": [
            {
                "type": [ATTENDER],
                "actor": reference("Practitioner", doctor_id, doctor),
                "required": "required",
                "status": "accepted",
            },
            {
                "actor": reference("Location", LOCATION_ID, policy.clinic_name),
                "status": "accepted",
            },
            {
                "actor": {"display": patient or "Patient"},
                "required": "required",
                "status": "needs-action" if waiting else "accepted",
            },
        ],
    }
    if visit_type_id is not None:
        resource["serviceType"] = [
            {
                "coding": [
                    {
                        "system": links.visit_type_system,
                        "code": str(visit_type_id),
                        "display": visit_type,
                    }
                ],
                "text": visit_type,
            }
        ]
    if status == "cancelled":
        resource["cancelationReason"] = {"text": reason or f"by {cancelled_by}"}
    return resource


def read_appointment(id_: str, policy: Policy, links: Links) -> dict:
    row = (
        _select()
        .where(Appointment.id == number_id(id_, "Appointment"))
        .tuples()
        .first()
    )
    if row is None:
        raise NotFound(f"Appointment/{id_} does not exist.")
    return appointment(row, policy, links)


def search_appointments(
    query: Query, policy: Policy, links: Links, count: int, offset: int
) -> tuple[list[dict], int]:
    """One page of visits by date (start), practitioner and status, and the total."""
    query.check(("date", "practitioner", "status"))
    select = _select()
    for value in query.values("date"):
        ranges = date_ranges(value, "date", policy.tz)
        select = select.where(
            functools.reduce(operator.or_, [_within(lo, hi) for lo, hi in ranges])
        )
    doctors = [
        reference_id(v, "Practitioner", "practitioner")
        for v in query.one_of("practitioner")
    ]
    if doctors:
        ids = [int(d) if d.isdigit() and len(d) < 19 else 0 for d in doctors]
        select = select.where(Appointment.doctor.in_(ids))
    statuses = query.one_of("status")
    for status in statuses:
        if status not in FHIR_STATUSES:
            raise InvalidInput(
                f"status must be one of {', '.join(FHIR_STATUSES)}.", "status"
            )
    if statuses:
        ours = [mine for mine, theirs in STATUSES.items() if theirs in statuses]
        select = select.where(Appointment.status.in_(ours or [""]))
    total = select.count()
    rows = (
        select.order_by(Appointment.start, Appointment.id)
        .limit(count)
        .offset(offset)
        .tuples()
    )
    return [appointment(row, policy, links) for row in rows], total


def _within(lo: dt.datetime | None, hi: dt.datetime | None):
    conditions = []
    if lo is not None:
        conditions.append(Appointment.start >= to_db(lo))
    if hi is not None:
        conditions.append(Appointment.start < to_db(hi))
    return functools.reduce(operator.and_, conditions)


def appointment_bundle(query: Query, policy: Policy, links: Links) -> dict:
    count, offset = query.page()
    found, total = search_appointments(query, policy, links, count, offset)
    return searchset(links, "Appointment", query, found, total, count, offset)
