"""What the dialog may read about the clinic: few, simple queries, no writes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core.calendar import (
    LIVE_STATUSES,
    active_doctor_ids,
    load_calendars,
    load_closures,
    next_slots,
)
from core.clock import from_db, to_db
from core.models import (
    Appointment,
    Department,
    Doctor,
    DoctorVisitType,
    VisitType,
)
from core.policy import Policy
from core.slots import day_slots

Slot = tuple[dt.datetime, int]  # (aware UTC start, doctor id)


@dataclass(frozen=True)
class Visit:
    """An appointment as the dialog shows it."""

    id: int
    start: dt.datetime
    status: str
    doctor_id: int
    doctor: str
    department: str
    visit_type_id: int
    visit_type: str
    minutes: int

    @property
    def live(self) -> bool:
        return self.status in LIVE_STATUSES


def _distinct_times(slots: list[Slot]) -> list[Slot]:
    """One offer per start time: the patient picks a time, any doctor will do."""
    seen, kept = set(), []
    for start, doctor_id in sorted(slots):
        if start not in seen:
            seen.add(start)
            kept.append((start, doctor_id))
    return kept


class View:
    """Database reads for one turn, inside the caller's transaction."""

    def __init__(self, policy: Policy, now: dt.datetime) -> None:
        self.policy = policy
        self.now = now

    def departments(self) -> list[tuple[int, str]]:
        """Active departments with at least one active doctor."""
        query = (
            Department.select(Department.id, Department.name)
            .where(
                Department.active == True,  # noqa: E712
                Department.id.in_(
                    Doctor.select(Doctor.department).where(Doctor.active == True)  # noqa: E712
                ),
            )
            .order_by(Department.name)
            .tuples()
        )
        return list(query)

    def doctors(self, department_id: int | None = None) -> list[tuple[int, str]]:
        query = Doctor.select(Doctor.id, Doctor.name).where(Doctor.active == True)  # noqa: E712
        if department_id is not None:
            query = query.where(Doctor.department == department_id)
        return list(query.order_by(Doctor.name).tuples())

    def doctor_ids(
        self,
        department_id: int | None,
        doctor_id: int | None,
        visit_type_id: int | None,
    ) -> list[int]:
        if doctor_id is not None:
            return [doctor_id]
        return active_doctor_ids(department_id, visit_type_id)

    def visit_types(self, doctor_ids: list[int]) -> list[tuple[int, str, int]]:
        """(id, name, minutes) of active visit types any of these doctors offer."""
        query = (
            VisitType.select(VisitType.id, VisitType.name, VisitType.minutes)
            .join(DoctorVisitType)
            .where(
                DoctorVisitType.doctor.in_(doctor_ids),
                VisitType.active == True,  # noqa: E712
            )
            .distinct()
            .order_by(VisitType.name)
            .tuples()
        )
        return list(query)

    def names(self, doctor_id: int, visit_type_id: int | None) -> tuple[str, str, str]:
        """(doctor, department, visit type) names for a summary."""
        row = (
            Doctor.select(Doctor.name, Department.name)
            .join(Department)
            .where(Doctor.id == doctor_id)
            .tuples()
            .first()
        )
        doctor, department = row or ("", "")
        visit_type = ""
        if visit_type_id is not None:
            found = VisitType.get_or_none(VisitType.id == visit_type_id)
            visit_type = found.name if found else ""
        return doctor, department, visit_type

    def department_name(self, department_id: int) -> str:
        found = Department.get_or_none(Department.id == department_id)
        return found.name if found else ""

    def free_on(self, doctor_ids: list[int], day: dt.date, minutes: int) -> list[Slot]:
        """Free times on one local day across these doctors, earliest first."""
        if not doctor_ids:
            return []
        length = dt.timedelta(minutes=minutes)
        calendars = load_calendars(doctor_ids, day, day, self.policy)
        closures = load_closures(day, day)
        slots = [
            (start, cal.doctor_id)
            for cal in calendars
            for start in day_slots(day, cal, closures, self.policy, self.now, length)
        ]
        return _distinct_times(slots)

    def next_free(
        self, doctor_ids: list[int], from_day: dt.date, minutes: int, count: int
    ) -> list[Slot]:
        """The next free times from a local day on, earliest first."""
        if not doctor_ids:
            return []
        found = next_slots(
            doctor_ids,
            self.policy,
            self.now,
            count * len(doctor_ids),
            dt.timedelta(minutes=minutes),
            from_day=from_day,
        )
        return _distinct_times(found)[:count]

    def _visits(self, *where) -> list[Visit]:
        rows = (
            Appointment.select(
                Appointment.id,
                Appointment.start,
                Appointment.status,
                Doctor.id,
                Doctor.name,
                Department.name,
                VisitType.id,
                VisitType.name,
                VisitType.minutes,
            )
            .join(Doctor)
            .join(Department)
            .switch(Appointment)
            .join(VisitType)
            .where(*where)
            .order_by(Appointment.start)
            .limit(9)
            .tuples()
        )
        return [
            Visit(id_, from_db(start), status, did, doc, dept, vtid, vt, minutes)
            for id_, start, status, did, doc, dept, vtid, vt, minutes in rows
        ]

    def upcoming(self, patient_id: int) -> list[Visit]:
        """The patient's live visits that have not started, soonest first."""
        return self._visits(
            Appointment.patient == patient_id,
            Appointment.start > to_db(self.now),
            Appointment.status.in_(LIVE_STATUSES),
        )

    def visit(self, appointment_id: int, patient_id: int) -> Visit | None:
        """One of this patient's visits, or None."""
        found = self._visits(
            Appointment.id == appointment_id, Appointment.patient == patient_id
        )
        return found[0] if found else None
