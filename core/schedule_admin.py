"""Doctors, departments, weekly hours, time off and closures, with validation.

Changing availability never touches booked visits: they stay, and the caller
is told which ones now fall outside the doctor's time so staff can move them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from peewee import IntegrityError

from core.calendar import LIVE_STATUSES
from core.clock import UTC, from_db, to_db
from core.db import write_transaction
from core.errors import InvalidInput, NotFound
from core.models import (
    Appointment,
    Closure,
    Department,
    Doctor,
    DoctorVisitType,
    Patient,
    TimeOff,
    VisitType,
    WorkingHours,
)
from core.policy import Policy

WEEKDAYS = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)


@dataclass(frozen=True)
class Affected:
    """A booked visit that a change of availability leaves in place."""

    id: int
    start: dt.datetime  # clinic local
    patient: str


def _name(text: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput(f"Please give the {what}'s name.")
    if len(text) > 120:
        raise InvalidInput(f"The {what}'s name is too long.")
    return text


def save_department(name: str, department_id: int | None = None) -> Department:
    """Create or rename a department; names are unique."""
    name = _name(name, "department")
    try:
        with write_transaction():
            if department_id is None:
                return Department.create(name=name)
            department = Department.get_or_none(Department.id == department_id)
            if department is None:
                raise NotFound("That department does not exist.")
            department.name = name
            department.save()
            return department
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
            doctor = Doctor.get_or_none(Doctor.id == doctor_id)
            if doctor is None:
                raise NotFound("That doctor does not exist.")
            doctor.name, doctor.department = name, department_id
            doctor.specialisation = specialisation[:120]
            doctor.save()
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


def _check_intervals(intervals: list[tuple[dt.time, dt.time]]) -> None:
    ordered = sorted(intervals)
    for start, end in ordered:
        if end <= start:
            raise InvalidInput(
                f"{start:%H:%M}–{end:%H:%M}: the end must be after the start."
            )
    for (s1, e1), (s2, e2) in zip(ordered, ordered[1:], strict=False):
        if s2 < e1:
            raise InvalidInput(
                f"{s1:%H:%M}–{e1:%H:%M} and {s2:%H:%M}–{e2:%H:%M} overlap."
            )


def parse_intervals(text: str) -> list[tuple[dt.time, dt.time]]:
    """'09:00-12:30, 13:30-17:00' -> intervals; a gap between them is a break."""
    intervals = []
    for part in (text or "").replace(";", ",").split(","):
        part = part.strip().replace("–", "-")
        if not part:
            continue
        try:
            start, end = (dt.time.fromisoformat(p.strip()) for p in part.split("-"))
        except ValueError:
            raise InvalidInput(
                f"{part!r} is not a time range like 09:00-12:30."
            ) from None
        intervals.append((start, end))
    _check_intervals(intervals)
    return sorted(intervals)


def weekly_hours(doctor_id: int) -> dict[int, list[tuple[dt.time, dt.time]]]:
    hours: dict[int, list] = {day: [] for day in range(7)}
    for row in WorkingHours.select().where(WorkingHours.doctor == doctor_id):
        hours[row.weekday].append((row.start, row.end))
    return {day: sorted(spans) for day, spans in hours.items()}


def _outside_hours(doctor_id: int, policy: Policy, now: dt.datetime) -> list[Affected]:
    """Future live visits that no longer fall inside the doctor's hours."""
    hours = weekly_hours(doctor_id)
    affected = []
    for visit in _future_visits(doctor_id, now, None, policy.tz):
        start, end = visit.start, visit.end_utc.astimezone(policy.tz)
        inside = any(
            s <= start.time() and end.time() <= e and start.date() == end.date()
            for s, e in hours[start.weekday()]
        )
        if not inside:
            affected.append(Affected(visit.id, start, visit.patient))
    return affected


@dataclass(frozen=True)
class _Visit:
    id: int
    start: dt.datetime
    start_utc: dt.datetime
    end_utc: dt.datetime
    patient: str


def _future_visits(doctor_id, lo: dt.datetime, hi: dt.datetime | None, tz=None):
    query = (
        Appointment.select(
            Appointment.id, Appointment.start, Appointment.end, Patient.name
        )
        .join(Patient)
        .where(
            Appointment.doctor == doctor_id,
            Appointment.status.in_(LIVE_STATUSES),
            Appointment.end > to_db(lo),
        )
        .order_by(Appointment.start)
    )
    if hi is not None:
        query = query.where(Appointment.start < to_db(hi))
    for aid, start, end, name in query.tuples():
        start_utc, end_utc = from_db(start), from_db(end)
        yield _Visit(
            aid, start_utc.astimezone(tz) if tz else start_utc, start_utc, end_utc, name
        )


def set_weekly_hours(
    doctor_id: int,
    hours: dict[int, list[tuple[dt.time, dt.time]]],
    policy: Policy,
    now: dt.datetime,
) -> list[Affected]:
    """Replace a doctor's week; return booked visits now outside their hours."""
    if not Doctor.select().where(Doctor.id == doctor_id).exists():
        raise NotFound("That doctor does not exist.")
    for weekday, intervals in hours.items():
        if weekday not in range(7):
            raise InvalidInput("Weekdays run from Monday (0) to Sunday (6).")
        try:
            _check_intervals(intervals)
        except InvalidInput as exc:
            raise InvalidInput(f"{WEEKDAYS[weekday]}: {exc}") from None
    with write_transaction():
        WorkingHours.delete().where(WorkingHours.doctor == doctor_id).execute()
        rows = [
            {"doctor": doctor_id, "weekday": day, "start": s, "end": e}
            for day, intervals in sorted(hours.items())
            for s, e in intervals
        ]
        if rows:
            WorkingHours.insert_many(rows).execute()
    return _outside_hours(doctor_id, policy, now)


def add_time_off(
    doctor_id: int,
    start: dt.datetime,
    end: dt.datetime,
    reason: str,
    policy: Policy,
) -> list[Affected]:
    """Block [start, end) (aware); return live visits inside it, which stay booked."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("time off needs aware datetimes")
    if end <= start:
        raise InvalidInput("Time off must end after it starts.")
    if not Doctor.select().where(Doctor.id == doctor_id).exists():
        raise NotFound("That doctor does not exist.")
    with write_transaction():
        TimeOff.create(
            doctor=doctor_id, start=to_db(start), end=to_db(end), reason=reason[:200]
        )
    return [
        Affected(v.id, v.start_utc.astimezone(policy.tz), v.patient)
        for v in _future_visits(doctor_id, start, end)
    ]


def remove_time_off(time_off_id: int) -> None:
    if not TimeOff.delete().where(TimeOff.id == time_off_id).execute():
        raise NotFound("That time off does not exist.")


def list_time_off(doctor_id: int, policy: Policy, now: dt.datetime) -> list[dict]:
    rows = (
        TimeOff.select()
        .where(TimeOff.doctor == doctor_id, TimeOff.end > to_db(now))
        .order_by(TimeOff.start)
    )
    return [
        {
            "id": r.id,
            "start": from_db(r.start).astimezone(policy.tz),
            "end": from_db(r.end).astimezone(policy.tz),
            "reason": r.reason,
        }
        for r in rows
    ]


def add_closure(day: dt.date, name: str, policy: Policy) -> list[Affected]:
    """Close the clinic on a local date; return live visits that day (they stay)."""
    try:
        with write_transaction():
            Closure.create(day=day, name=(name or "")[:120])
    except IntegrityError:
        raise InvalidInput(f"{day.isoformat()} is already a closure day.") from None
    lo = dt.datetime.combine(day, dt.time(0), tzinfo=policy.tz).astimezone(UTC)
    hi = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=policy.tz)
    rows = (
        Appointment.select(Appointment.id, Appointment.start, Patient.name)
        .join(Patient)
        .where(
            Appointment.status.in_(LIVE_STATUSES),
            Appointment.start >= to_db(lo),
            Appointment.start < to_db(hi.astimezone(UTC)),
        )
        .order_by(Appointment.start)
        .tuples()
    )
    return [Affected(i, from_db(s).astimezone(policy.tz), n) for i, s, n in rows]


def remove_closure(closure_id: int) -> None:
    if not Closure.delete().where(Closure.id == closure_id).execute():
        raise NotFound("That closure does not exist.")


def list_closures(from_day: dt.date) -> list[dict]:
    rows = Closure.select().where(Closure.day >= from_day).order_by(Closure.day)
    return [{"id": r.id, "day": r.day, "name": r.name} for r in rows]


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


def all_departments() -> list[dict]:
    rows = Department.select().order_by(Department.name)
    return [{"id": d.id, "name": d.name, "active": d.active} for d in rows]


def all_visit_types() -> list[dict]:
    rows = VisitType.select().where(VisitType.active == True).order_by(VisitType.name)  # noqa: E712
    return [{"id": v.id, "name": v.name, "minutes": v.minutes} for v in rows]
