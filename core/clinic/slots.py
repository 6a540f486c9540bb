"""Which times a doctor can be booked: pure functions, no database.

Slots are laid on each working interval's grid in clinic local time and
returned as aware UTC instants, so a DST change never shifts or repeats one.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from core.clock import UTC, wall_to_utc
from core.policy import Policy

Interval = tuple[dt.datetime, dt.datetime]  # aware UTC, half-open [start, end)


@dataclass(frozen=True)
class DoctorCalendar:
    """Everything slot rules need about one doctor, loaded in one go."""

    doctor_id: int
    hours: dict[int, list[tuple[dt.time, dt.time]]]  # weekday -> local intervals
    time_off: list[Interval] = field(default_factory=list)
    busy: list[Interval] = field(default_factory=list)  # live appointments


def _overlaps(start: dt.datetime, end: dt.datetime, spans: Iterable[Interval]) -> bool:
    return any(s < end and start < e for s, e in spans)


def _grid(
    day: dt.date,
    interval: tuple[dt.time, dt.time],
    policy: Policy,
    length: dt.timedelta,
) -> Iterator[dt.datetime]:
    """Start instants on the slot grid of one working interval that fit in it."""
    opens, closes = interval
    closing = dt.datetime.combine(day, closes, tzinfo=policy.tz).astimezone(UTC)
    wall, last_wall = dt.datetime.combine(day, opens), dt.datetime.combine(day, closes)
    while wall < last_wall:
        start = wall_to_utc(day, wall.time(), policy.tz)
        if start is not None and start + length <= closing:
            yield start
        wall += policy.slot


def day_slots(
    day: dt.date,
    calendar: DoctorCalendar,
    closures: frozenset[dt.date] | set[dt.date],
    policy: Policy,
    now: dt.datetime,
    length: dt.timedelta | None = None,
    *,
    ignore_busy: bool = False,
) -> list[dt.datetime]:
    """Free start times (aware UTC) for one doctor on one local date."""
    length = length or policy.slot
    today = now.astimezone(policy.tz).date()
    if (
        day in closures
        or day < today
        or day > today + dt.timedelta(days=policy.horizon_days)
    ):
        return []
    earliest = now + policy.min_notice
    blocked = (
        []
        if ignore_busy
        else [(s - policy.buffer, e + policy.buffer) for s, e in calendar.busy]
    )
    free = []
    for interval in sorted(calendar.hours.get(day.weekday(), [])):
        for start in _grid(day, interval, policy, length):
            end = start + length
            if start < earliest:
                continue
            if _overlaps(start, end, calendar.time_off) or _overlaps(
                start, end, blocked
            ):
                continue
            free.append(start)
    return free


def next_free_slots(
    calendars: Iterable[DoctorCalendar],
    closures: frozenset[dt.date] | set[dt.date],
    policy: Policy,
    now: dt.datetime,
    count: int,
    length: dt.timedelta | None = None,
    from_day: dt.date | None = None,
    to_day: dt.date | None = None,
) -> list[tuple[dt.datetime, int]]:
    """The next `count` free (start, doctor_id) across doctors, earliest first.

    Walks day by day so a 50-doctor department costs only the days needed.
    """
    calendars = list(calendars)
    today = now.astimezone(policy.tz).date()
    day = max(from_day or today, today)
    last = today + dt.timedelta(days=policy.horizon_days)
    if to_day is not None:
        last = min(last, to_day)
    found: list[tuple[dt.datetime, int]] = []
    while day <= last and len(found) < count:
        per_doctor = (
            [
                (start, cal.doctor_id)
                for start in day_slots(day, cal, closures, policy, now, length)
            ]
            for cal in calendars
        )
        found.extend(heapq.merge(*per_doctor))
        day += dt.timedelta(days=1)
    return found[:count]
