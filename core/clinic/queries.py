"""The clinic's hot reads, built once per process (core.storage.prepared).

The dialog loads calendars and books inside a patient's turn, where peewee
building these cost more than SQLite running them. Writes are prepared in
the module that owns their table (booking for appointments and claims).
"""

from __future__ import annotations

import functools
import json

from core.models import (
    Appointment,
    Closure,
    Doctor,
    DoctorVisitType,
    SlotClaim,
    TimeOff,
    VisitType,
    WorkingHours,
)
from core.storage.prepared import Prepared

# Calendars: hours, time off, busy times and closures of a set of doctors.
HOURS = Prepared(
    lambda doctor_ids: WorkingHours.select(
        WorkingHours.doctor, WorkingHours.weekday, WorkingHours.start, WorkingHours.end
    ).where(WorkingHours.doctor.in_(doctor_ids))
)
TIME_OFF = Prepared(
    lambda doctor_ids, lo, hi: TimeOff.select(
        TimeOff.doctor, TimeOff.start, TimeOff.end
    ).where(TimeOff.doctor.in_(doctor_ids), TimeOff.end > lo, TimeOff.start < hi)
)
BUSY = Prepared(
    lambda doctor_ids, since, hi, statuses: Appointment.select(
        Appointment.doctor, Appointment.start, Appointment.end
    ).where(
        Appointment.doctor.in_(doctor_ids),
        Appointment.start >= since,
        Appointment.start < hi,
        Appointment.status.in_(statuses),
    )
)
CLOSURES = Prepared(
    lambda first, last: Closure.select(Closure.day).where(
        Closure.day.between(first, last)
    )
)


def _doctor_ids(by_department: bool, by_visit_type: bool) -> Prepared:
    def build(active, *keys):
        query = Doctor.select(Doctor.id).where(Doctor.active == active)
        if by_department:
            query = query.where(Doctor.department == keys[0])
        if by_visit_type:
            query = query.join(DoctorVisitType).where(
                DoctorVisitType.visit_type == keys[-1]
            )
        return query.order_by(Doctor.id)

    return Prepared(build)


# (by department?, by visit type?) -> active doctor ids in id order
DOCTOR_IDS = {
    (by_department, by_visit_type): _doctor_ids(by_department, by_visit_type)
    for by_department in (False, True)
    for by_visit_type in (False, True)
}

# Bookings: the doctor, patient and kind of visit a booking names, and visits.
DOCTOR = Prepared(
    lambda doctor_id: Doctor.select(Doctor.id, Doctor.name, Doctor.active).where(
        Doctor.id == doctor_id
    )
)


def _offered_types(chosen: bool) -> Prepared:
    def build(doctor_id, active, *rest):
        query = (
            VisitType.select(VisitType.id, VisitType.minutes)
            .join(DoctorVisitType)
            .where(DoctorVisitType.doctor == doctor_id, VisitType.active == active)
        )
        if chosen:
            query = query.where(VisitType.id == rest[0])
        return query.order_by(VisitType.minutes, VisitType.id).limit(rest[-1])

    return Prepared(build)


# chosen? -> (id, minutes) of the visit types a doctor offers, shortest first
VISIT_TYPE = {chosen: _offered_types(chosen) for chosen in (False, True)}
APPOINTMENT = Prepared(
    lambda appointment_id: Appointment.select().where(Appointment.id == appointment_id)
)
APPOINTMENT_FIELDS = [f.name for f in Appointment._meta.sorted_fields]
CLAIMS_OF = Prepared(
    lambda appointment_id: SlotClaim.select(
        SlotClaim.id, SlotClaim.doctor, SlotClaim.unit
    ).where(SlotClaim.appointment == appointment_id)
)


# Departments and visit types keep their names in other languages as JSON
# {"es": "Pediatría"} (column `names`, written by core.staff.doctors).
@functools.lru_cache(maxsize=1024)
def _names(names_json: str | None) -> tuple[tuple[str, str], ...]:
    try:
        parsed = json.loads(names_json or "{}")
    except ValueError:
        return ()
    if not isinstance(parsed, dict):
        return ()
    return tuple(
        (lang, name.strip())
        for lang, name in parsed.items()
        if isinstance(lang, str) and isinstance(name, str) and name.strip()
    )


def parse_names(names_json: str | None) -> dict[str, str]:
    """Stored names JSON -> {lang: name}; anything malformed reads as none."""
    return dict(_names(names_json))


def localized(name: str, names_json: str | None, lang: str) -> str:
    """A department's or visit type's name in lang, or its own name if none."""
    for code, translated in _names(names_json):
        if code == lang:
            return translated
    return name
