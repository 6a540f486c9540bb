"""Load doctors' calendars from the database for the pure slot rules."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from core.clock import UTC, from_db, to_db
from core.models import (
    Appointment,
    Closure,
    Doctor,
    DoctorVisitType,
    TimeOff,
    WorkingHours,
)
from core.policy import Policy
from core.slots import DoctorCalendar, day_slots, next_free_slots

LIVE_STATUSES = ("scheduled", "confirmed")
# No visit is longer than this; it bounds the look-back of overlap queries so
# they stay on the (doctor, start) index.
MAX_VISIT = dt.timedelta(hours=12)


def utc_bounds(
    first: dt.date, last: dt.date, policy: Policy
) -> tuple[dt.datetime, dt.datetime]:
    """UTC instants around local dates first..last inclusive."""
    start = dt.datetime.combine(first, dt.time(0), tzinfo=policy.tz).astimezone(UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=policy.tz)
    return start, end.astimezone(UTC)


def load_calendars(
    doctor_ids: Sequence[int],
    first: dt.date,
    last: dt.date,
    policy: Policy,
    *,
    with_busy: bool = True,
) -> list[DoctorCalendar]:
    """Hours, time off and (with_busy) live appointments of these doctors."""
    lo, hi = utc_bounds(first, last, policy)
    hours: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for doctor_id, weekday, start, end in (
        WorkingHours.select(
            WorkingHours.doctor,
            WorkingHours.weekday,
            WorkingHours.start,
            WorkingHours.end,
        )
        .where(WorkingHours.doctor.in_(list(doctor_ids)))
        .tuples()
    ):
        hours[doctor_id][weekday].append((start, end))
    off: dict[int, list] = defaultdict(list)
    for doctor_id, start, end in (
        TimeOff.select(TimeOff.doctor, TimeOff.start, TimeOff.end)
        .where(
            TimeOff.doctor.in_(list(doctor_ids)),
            TimeOff.start < to_db(hi),
            TimeOff.end > to_db(lo),
        )
        .tuples()
    ):
        off[doctor_id].append((from_db(start), from_db(end)))
    busy: dict[int, list] = defaultdict(list)
    for doctor_id, start, end in (
        []
        if not with_busy
        else (
            Appointment.select(Appointment.doctor, Appointment.start, Appointment.end)
            .where(
                Appointment.doctor.in_(list(doctor_ids)),
                Appointment.start >= to_db(lo - MAX_VISIT),
                Appointment.start < to_db(hi),
                Appointment.status.in_(LIVE_STATUSES),
            )
            .tuples()
        )
    ):
        busy[doctor_id].append((from_db(start), from_db(end)))
    return [
        DoctorCalendar(
            doctor_id=d,
            hours={k: list(v) for k, v in hours[d].items()},
            time_off=off[d],
            busy=busy[d],
        )
        for d in doctor_ids
    ]


def load_closures(first: dt.date, last: dt.date) -> frozenset[dt.date]:
    rows = Closure.select(Closure.day).where(Closure.day.between(first, last)).tuples()
    return frozenset(day for (day,) in rows)


def free_slots_for_doctor(
    doctor_id: int, day: dt.date, policy: Policy, now: dt.datetime, length: dt.timedelta
) -> list[dt.datetime]:
    """Free start times for one doctor on one local date."""
    (calendar,) = load_calendars([doctor_id], day, day, policy)
    return day_slots(day, calendar, load_closures(day, day), policy, now, length)


def active_doctor_ids(
    department_id: int | None = None, visit_type_id: int | None = None
) -> list[int]:
    """Active doctors, optionally of one department and offering one visit type."""
    query = Doctor.select(Doctor.id).where(Doctor.active == True)  # noqa: E712
    if department_id is not None:
        query = query.where(Doctor.department == department_id)
    if visit_type_id is not None:
        query = query.join(DoctorVisitType).where(
            DoctorVisitType.visit_type == visit_type_id
        )
    return [doctor_id for (doctor_id,) in query.order_by(Doctor.id).tuples()]


def next_slots(
    doctor_ids: Sequence[int],
    policy: Policy,
    now: dt.datetime,
    count: int,
    length: dt.timedelta,
    from_day: dt.date | None = None,
) -> list[tuple[dt.datetime, int]]:
    """The next `count` free (start, doctor_id), earliest first.

    Loads one day first (usually enough), then windows that double in size.
    """
    today = now.astimezone(policy.tz).date()
    first = max(from_day or today, today)
    horizon = today + dt.timedelta(days=policy.horizon_days)
    found: list[tuple[dt.datetime, int]] = []
    window = 1
    while first <= horizon and len(found) < count:
        last = min(first + dt.timedelta(days=window - 1), horizon)
        calendars = load_calendars(doctor_ids, first, last, policy)
        closures = load_closures(first, last)
        found += next_free_slots(
            calendars, closures, policy, now, count - len(found), length, first, last
        )
        first = last + dt.timedelta(days=1)
        window = min(window * 2, 16)
    return found[:count]
