"""Doctors' calendars from the database for the pure slot rules, and whether
a doctor, a kind of visit and a time can be booked by those rules."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import NamedTuple

from core.clinic import queries
from core.clinic.slots import DoctorCalendar, day_slots, next_free_slots
from core.clock import UTC, from_db, to_db
from core.errors import NotFound, SlotUnavailable
from core.models import LIVE_STATUSES
from core.policy import Policy

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


def load_hours(doctor_ids: Sequence[int]) -> dict[int, dict[int, list]]:
    """doctor id -> weekday -> [(start, end)] of their working hours."""
    hours: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for doctor_id, weekday, start, end in queries.HOURS.rows(list(doctor_ids)):
        hours[doctor_id][weekday].append((start, end))
    return {d: {k: list(v) for k, v in hours[d].items()} for d in doctor_ids}


def load_calendars(
    doctor_ids: Sequence[int],
    first: dt.date,
    last: dt.date,
    policy: Policy,
    *,
    with_busy: bool = True,
    hours: dict[int, dict[int, list]] | None = None,
) -> list[DoctorCalendar]:
    """Hours, time off and (with_busy) live appointments of these doctors.

    hours (from load_hours) saves reading them again for another date range.
    """
    ids = list(doctor_ids)
    lo, hi = utc_bounds(first, last, policy)
    hours = hours if hours is not None else load_hours(ids)
    off: dict[int, list] = defaultdict(list)
    for doctor_id, start, end in queries.TIME_OFF.rows(ids, to_db(lo), to_db(hi)):
        off[doctor_id].append((from_db(start), from_db(end)))
    busy: dict[int, list] = defaultdict(list)
    if with_busy:
        since = to_db(lo - MAX_VISIT)
        for doctor_id, start, end in queries.BUSY.rows(
            ids, since, to_db(hi), LIVE_STATUSES
        ):
            busy[doctor_id].append((from_db(start), from_db(end)))
    return [
        DoctorCalendar(doctor_id=d, hours=hours[d], time_off=off[d], busy=busy[d])
        for d in ids
    ]


def load_closures(first: dt.date, last: dt.date) -> frozenset[dt.date]:
    return frozenset(day for (day,) in queries.CLOSURES.rows(first, last))


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
    keys = [k for k in (department_id, visit_type_id) if k is not None]
    query = queries.DOCTOR_IDS[department_id is not None, visit_type_id is not None]
    return [doctor_id for (doctor_id,) in query.rows(True, *keys)]


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
    hours = load_hours(doctor_ids)
    while first <= horizon and len(found) < count:
        last = min(first + dt.timedelta(days=window - 1), horizon)
        calendars = load_calendars(doctor_ids, first, last, policy, hours=hours)
        closures = load_closures(first, last)
        found += next_free_slots(
            calendars, closures, policy, now, count - len(found), length, first, last
        )
        first = last + dt.timedelta(days=1)
        window = min(window * 2, 16)
    return found[:count]


class BookableDoctor(NamedTuple):
    id: int
    name: str
    active: bool


def bookable_doctor(doctor_id: int) -> BookableDoctor:
    found = queries.DOCTOR.first(doctor_id)
    if found is None:
        raise NotFound("That doctor does not exist.")
    return BookableDoctor(*found)


def visit_minutes(doctor: BookableDoctor, visit_type_id: int | None) -> tuple:
    """(id, minutes) of the chosen visit type, checked to be one this doctor offers.

    With none chosen, the doctor's shortest.
    """
    chosen = visit_type_id is not None
    keys = (visit_type_id,) if chosen else ()
    found = queries.VISIT_TYPE[chosen].first(doctor.id, True, *keys, 1)
    if found is None:
        raise SlotUnavailable(f"{doctor.name} does not offer that kind of visit.")
    return found


def check_bookable(
    doctor: BookableDoctor,
    start: dt.datetime,
    length: dt.timedelta,
    policy: Policy,
    now: dt.datetime,
) -> None:
    """Raise SlotUnavailable unless start is one of the doctor's slots (busy aside)."""
    if not doctor.active:
        raise SlotUnavailable(f"{doctor.name} is not taking appointments.")
    if start < now:
        raise SlotUnavailable("That time is in the past.")
    day = start.astimezone(policy.tz).date()
    (calendar,) = load_calendars([doctor.id], day, day, policy, with_busy=False)
    slots = day_slots(
        day, calendar, load_closures(day, day), policy, now, length, ignore_busy=True
    )
    if start in slots:
        return
    if start < now + policy.min_notice:
        raise SlotUnavailable("That time is too soon to book; please pick a later one.")
    if day > now.astimezone(policy.tz).date() + dt.timedelta(days=policy.horizon_days):
        raise SlotUnavailable("That day is too far ahead to book yet.")
    raise SlotUnavailable(f"{doctor.name} is not seeing patients at that time.")
