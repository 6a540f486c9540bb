"""What the clinic offers, for the API: departments, doctors, visit types.

Whole tables in a few queries (a clinic has tens of doctors, not thousands),
assembled in Python so a doctor's visit types and hours cost no query each.
"""

from __future__ import annotations

from collections import defaultdict

from core.api import schemas
from core.clinic.queries import parse_names
from core.models import Department, Doctor, DoctorVisitType, VisitType, WorkingHours


def departments() -> schemas.Departments:
    rows = Department.select(
        Department.id, Department.name, Department.active, Department.names
    ).order_by(Department.name, Department.id)
    return schemas.Departments(
        data=[
            schemas.Department(id=i, name=n, active=a, names=parse_names(raw))
            for i, n, a, raw in rows.tuples()
        ]
    )


def _visit_types() -> dict[int, schemas.VisitType]:
    rows = VisitType.select(
        VisitType.id, VisitType.name, VisitType.minutes, VisitType.active
    ).order_by(VisitType.name, VisitType.id)
    return {
        i: schemas.VisitType(id=i, name=n, minutes=m, active=a)
        for i, n, m, a in rows.tuples()
    }


def visit_types() -> schemas.VisitTypes:
    return schemas.VisitTypes(data=list(_visit_types().values()))


def doctors() -> schemas.Doctors:
    """Every doctor (inactive ones too, marked), with visit types and weekly hours."""
    kinds = _visit_types()
    offered: dict[int, list[schemas.VisitType]] = defaultdict(list)
    for doctor_id, visit_type_id in DoctorVisitType.select(
        DoctorVisitType.doctor, DoctorVisitType.visit_type
    ).tuples():
        offered[doctor_id].append(kinds[visit_type_id])
    hours: dict[int, list[schemas.Hours]] = defaultdict(list)
    for doctor_id, weekday, start, end in (
        WorkingHours.select(
            WorkingHours.doctor,
            WorkingHours.weekday,
            WorkingHours.start,
            WorkingHours.end,
        )
        .order_by(WorkingHours.weekday, WorkingHours.start)
        .tuples()
    ):
        hours[doctor_id].append(
            schemas.Hours(
                weekday=weekday,
                start=start.strftime("%H:%M"),
                end=end.strftime("%H:%M"),
            )
        )
    rows = (
        Doctor.select(
            Doctor.id,
            Doctor.name,
            Doctor.department,
            Department.name,
            Doctor.specialisation,
            Doctor.active,
        )
        .join(Department)
        .order_by(Doctor.name, Doctor.id)
    )
    return schemas.Doctors(
        data=[
            schemas.Doctor(
                id=i,
                name=n,
                department_id=d,
                department=dn,
                specialisation=s,
                active=a,
                visit_types=sorted(offered[i], key=lambda v: (v.minutes, v.id)),
                hours=hours[i],
            )
            for i, n, d, dn, s, a in rows.tuples()
        ]
    )
