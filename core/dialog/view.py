"""What the dialog may read about the clinic: few, simple queries, no writes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core.clinic.calendar import (
    active_doctor_ids,
    load_calendars,
    load_closures,
    next_slots,
)
from core.clinic.slots import day_slots
from core.clock import from_db, to_db
from core.dialog import queries
from core.models import LIVE_STATUSES
from core.policy import Policy

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


MAX_LISTED = 9  # upcoming visits listed as numbered options


class View:
    """Database reads for one turn, inside the caller's transaction."""

    def __init__(self, policy: Policy, now: dt.datetime) -> None:
        self.policy = policy
        self.now = now
        self._names: dict[tuple, tuple[str, str, str]] = {}

    def departments(self) -> list[tuple[int, str]]:
        """Active departments with at least one active doctor."""
        return queries.DEPARTMENTS.rows(True, True)

    def doctors(self, department_id: int | None = None) -> list[tuple[int, str]]:
        if department_id is None:
            return queries.DOCTORS.rows(True)
        return queries.DEPARTMENT_DOCTORS.rows(True, department_id)

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
        if not doctor_ids:
            return []
        return queries.VISIT_TYPES.rows(list(doctor_ids), True)

    def names(self, doctor_id: int, visit_type_id: int | None) -> tuple[str, str, str]:
        """(doctor, department, visit type) names for a summary."""
        key = (doctor_id, visit_type_id)
        if key not in self._names:  # asked several times a turn
            doctor, department = queries.DOCTOR_NAMES.first(doctor_id) or ("", "")
            visit_type = ""
            if visit_type_id is not None:
                (visit_type,) = queries.VISIT_TYPE_NAME.first(visit_type_id) or ("",)
            self._names[key] = (doctor, department, visit_type)
        return self._names[key]

    def department_name(self, department_id: int) -> str:
        (name,) = queries.DEPARTMENT_NAME.first(department_id) or ("",)
        return name

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

    @staticmethod
    def _visits(rows: list[tuple]) -> list[Visit]:
        return [
            Visit(id_, from_db(start), status, did, doc, dept, vtid, vt, minutes)
            for id_, start, status, did, doc, dept, vtid, vt, minutes in rows
        ]

    def upcoming(self, patient_id: int) -> list[Visit]:
        """The patient's live visits that have not started, soonest first."""
        rows = queries.UPCOMING.rows(
            patient_id, to_db(self.now), LIVE_STATUSES, MAX_LISTED
        )
        return self._visits(rows)

    def visit(self, appointment_id: int, patient_id: int) -> Visit | None:
        """One of this patient's visits, or None."""
        found = self._visits(queries.VISIT.rows(appointment_id, patient_id))
        return found[0] if found else None
