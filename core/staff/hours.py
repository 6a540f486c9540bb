"""Doctors' weekly hours, time off and clinic closures, with validation.

Changing availability never touches booked visits: they stay, and the caller
is told which ones now fall outside the doctor's time so staff can move them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from peewee import IntegrityError

from core.clinic.calendar import utc_bounds
from core.clock import from_db, to_db
from core.errors import InvalidInput, NotFound
from core.models import (
    LIVE_STATUSES,
    Appointment,
    Closure,
    Doctor,
    Patient,
    TimeOff,
    WorkingHours,
)
from core.policy import Policy
from core.storage.db import write_transaction

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


def remove_time_off(doctor_id: int, time_off_id: int) -> None:
    """Delete one period of this doctor's time off (never another doctor's)."""
    deleted = (
        TimeOff.delete()
        .where(TimeOff.id == time_off_id, TimeOff.doctor == doctor_id)
        .execute()
    )
    if not deleted:
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
    lo, hi = utc_bounds(day, day, policy)
    rows = (
        Appointment.select(Appointment.id, Appointment.start, Patient.name)
        .join(Patient)
        .where(
            Appointment.status.in_(LIVE_STATUSES),
            Appointment.start >= to_db(lo),
            Appointment.start < to_db(hi),
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
