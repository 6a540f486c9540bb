"""Small builders for test data: make_x(**overrides)."""

from __future__ import annotations

import datetime as dt
import itertools

from core.models import (
    Department,
    Doctor,
    DoctorVisitType,
    Patient,
    VisitType,
    WorkingHours,
)
from core.policy import ensure_policy

_seq = itertools.count(1)

NINE_TO_FIVE = {day: [(dt.time(9), dt.time(17))] for day in range(5)}


def make_policy(**fields):
    row = ensure_policy(fields.pop("timezone", "UTC"))
    for name, value in fields.items():
        setattr(row, name, value)
    row.save()
    return row


def make_department(**overrides) -> Department:
    return Department.create(**{"name": f"Department {next(_seq)}", **overrides})


def make_visit_type(**overrides) -> VisitType:
    return VisitType.create(
        **{"name": f"Visit {next(_seq)}", "minutes": 30, **overrides}
    )


def make_doctor(hours=None, visit_types=None, **overrides) -> Doctor:
    """A doctor working Mon-Fri 09-17 offering a 30-minute consultation."""
    if "department" not in overrides:
        overrides["department"] = make_department()
    doctor = Doctor.create(**{"name": f"Dr. Test {next(_seq)}", **overrides})
    for weekday, intervals in (NINE_TO_FIVE if hours is None else hours).items():
        for start, end in intervals:
            WorkingHours.create(doctor=doctor, weekday=weekday, start=start, end=end)
    if visit_types is None:
        consultation = VisitType.get_or_none(VisitType.name == "Consultation")
        visit_types = [
            consultation or VisitType.create(name="Consultation", minutes=30)
        ]
    for visit_type in visit_types:
        DoctorVisitType.create(doctor=doctor, visit_type=visit_type)
    return doctor


def make_patient(**overrides) -> Patient:
    n = next(_seq)
    return Patient.create(
        **{"phone": f"+1555010{n:04d}", "name": f"Pat Test{n}", **overrides}
    )
