"""Clinic statistics for a date range, in a handful of grouped queries.

Visits are grouped once by (doctor, status, visit type) with the flags the rates need;
everything per status, doctor and department is summed from that in Python,
so 1,000,000 visits cost one indexed range scan, not one query per figure.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from peewee import Case, Value, fn

from core.clinic.calendar import utc_bounds
from core.clock import to_db
from core.errors import InvalidInput
from core.models import (
    Appointment,
    Closure,
    Department,
    Doctor,
    Message,
    VisitType,
    WaitlistOffer,
    WorkingHours,
)
from core.policy import Policy
from core.storage.db import is_sqlite

STATUSES = ("scheduled", "confirmed", "completed", "cancelled", "no_show")
DELIVERED = ("delivered", "read")
FAILED = ("failed", "undelivered", "not_sent")
MAX_DAYS = 3660  # ten years: a range beyond this is a typo


@dataclass
class Stats:
    first: dt.date
    last: dt.date
    by_status: Counter = field(default_factory=Counter)
    by_doctor: dict[str, Counter] = field(default_factory=dict)
    by_department: dict[str, Counter] = field(default_factory=dict)
    total: int = 0
    needing_confirmation: int = 0
    confirmed: int = 0
    auto_cancelled: int = 0
    booked_minutes: int = 0
    available_minutes: int = 0
    freed_slots: int = 0
    refilled_slots: int = 0
    messages_per_day: list[tuple[dt.date, int, int, int]] = field(default_factory=list)

    @property
    def confirmation_rate(self) -> float | None:
        return _rate(self.confirmed, self.needing_confirmation)

    @property
    def no_show_rate(self) -> float | None:
        attended = self.by_status["completed"] + self.by_status["no_show"]
        return _rate(self.by_status["no_show"], attended)

    @property
    def utilisation(self) -> float | None:
        return _rate(self.booked_minutes, self.available_minutes)

    @property
    def refill_rate(self) -> float | None:
        return _rate(self.refilled_slots, self.freed_slots)


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def check_range(first: dt.date, last: dt.date) -> None:
    if last < first:
        raise InvalidInput("The end date is before the start date.")
    if (last - first).days > MAX_DAYS:
        raise InvalidInput("Please pick a range of at most ten years.")


def _doctor_names() -> dict[int, tuple[str, str]]:
    """Doctor id -> (label, department); two doctors with one name stay apart."""
    rows = list(
        Doctor.select(Doctor.id, Doctor.name, Department.name).join(Department).tuples()
    )
    taken = Counter(name for _, name, _ in rows)
    return {i: (n if taken[n] == 1 else f"{n} (#{i})", d) for i, n, d in rows}


def _minutes(start: dt.time, end: dt.time) -> int:
    return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)


def available_minutes(first: dt.date, last: dt.date) -> int:
    """Working minutes of active doctors over the range, closures excluded."""
    per_weekday: Counter = Counter()
    for weekday, start, end in (
        WorkingHours.select(WorkingHours.weekday, WorkingHours.start, WorkingHours.end)
        .join(Doctor)
        .where(Doctor.active == True)  # noqa: E712
        .tuples()
    ):
        per_weekday[weekday] += _minutes(start, end)
    closed = {
        d
        for (d,) in Closure.select(Closure.day)
        .where(Closure.day.between(first, last))
        .tuples()
    }
    total, day = 0, first
    while day <= last:
        if day not in closed:
            total += per_weekday[day.weekday()]
        day += dt.timedelta(days=1)
    return total


def clinic_stats(first: dt.date, last: dt.date, policy: Policy) -> Stats:
    """Every figure of the Stats page for local dates first..last inclusive."""
    check_range(first, last)
    lo, hi = utc_bounds(first, last, policy)
    stats = Stats(first, last)
    names = _doctor_names()
    visit_minutes = list(VisitType.select(VisitType.id, VisitType.minutes).tuples())
    held = Appointment.status != "cancelled"  # the visit held its time

    def count_if(condition, value=1):
        return fn.SUM(Case(None, [(condition, value)], 0))

    # One row per doctor, every figure a conditional sum: no sort of the
    # range's rows, and the covering index (doctor, start, status, ...) means
    # the table itself is never read.
    grouped = (
        Appointment.select(
            Appointment.doctor,
            fn.COUNT(Appointment.id),
            *(count_if(Appointment.status == status) for status in STATUSES),
            count_if(Appointment.needs_confirmation == True),  # noqa: E712
            count_if(Appointment.confirmed_at.is_null(False)),
            count_if(Appointment.cancelled_by == "system"),
            count_if(held, Case(Appointment.visit_type, visit_minutes, 0))
            if visit_minutes
            else Value(0),
        )
        .where(Appointment.start >= to_db(lo), Appointment.start < to_db(hi))
        .group_by(Appointment.doctor)
        .tuples()
    )
    by_doctor: dict[str, Counter] = defaultdict(Counter)
    by_department: dict[str, Counter] = defaultdict(Counter)
    for doctor_id, count, *per_status, needing, confirmed, auto, minutes in grouped:
        doctor, department = names.get(doctor_id, (f"#{doctor_id}", "?"))
        counts = Counter(
            {s: int(n) for s, n in zip(STATUSES, per_status, strict=True) if n}
        )
        other = count - sum(counts.values())
        if other:  # a status this page does not know yet still counts
            counts["other"] = other
        stats.by_status.update(counts)
        by_doctor[doctor].update(counts)
        by_department[department].update(counts)
        stats.total += count
        stats.needing_confirmation += int(needing or 0)
        stats.confirmed += int(confirmed or 0)
        stats.auto_cancelled += int(auto or 0)
        stats.booked_minutes += int(minutes or 0)
    stats.by_doctor = dict(sorted(by_doctor.items()))
    stats.by_department = dict(sorted(by_department.items()))
    stats.available_minutes = available_minutes(first, last)
    stats.freed_slots = stats.by_status["cancelled"]
    stats.refilled_slots = (
        WaitlistOffer.select()
        .where(
            WaitlistOffer.status == "accepted",
            WaitlistOffer.booked.is_null(False),
            WaitlistOffer.start >= to_db(lo),
            WaitlistOffer.start < to_db(hi),
        )
        .count()
    )
    stats.messages_per_day = messages_per_day(lo, hi, policy.tz)
    return stats


def _hour_of(column):
    """The UTC hour a datetime column falls in, as the database spells it."""
    if is_sqlite():
        return fn.strftime("%Y-%m-%d %H:00:00", column)
    return fn.date_trunc("hour", column)


def messages_per_day(
    lo: dt.datetime, hi: dt.datetime, tz: ZoneInfo
) -> list[tuple[dt.date, int, int, int]]:
    """(clinic day, sent, delivered, failed) for outbound messages in [lo, hi).

    Counted per UTC hour in the database and summed per local day here, so a
    clinic in New York sees its evening texts on the right day.
    """
    hour = _hour_of(Message.created_at)
    rows = (
        Message.select(hour, Message.status, fn.COUNT(Message.id))
        .where(
            Message.direction == "out",
            Message.created_at >= to_db(lo),
            Message.created_at < to_db(hi),
        )
        .group_by(hour, Message.status)
        .tuples()
    )
    per_day: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0, 0])
    for utc_hour, status, count in rows:
        start = dt.datetime.fromisoformat(str(utc_hour)[:19]).replace(tzinfo=dt.UTC)
        when = start.astimezone(tz).date()
        if status in FAILED:
            per_day[when][2] += count
        elif status != "queued":
            per_day[when][0] += count  # left the building
            if status in DELIVERED:
                per_day[when][1] += count
    return [(d, *per_day[d]) for d in sorted(per_day)]
