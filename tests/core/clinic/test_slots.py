"""Slot rules, pure: hours, breaks, time off, closures, notice, horizon, DST."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from core.clinic.slots import DoctorCalendar, day_slots, next_free_slots
from core.policy import Policy

UTC = dt.UTC
MONDAY = dt.date(2026, 11, 23)
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # the Friday before
NINE_TO_FIVE = {d: [(dt.time(9), dt.time(17))] for d in range(5)}


def at(day: dt.date, hour: int, minute: int = 0, tz: str = "UTC") -> dt.datetime:
    return dt.datetime.combine(
        day, dt.time(hour, minute), tzinfo=ZoneInfo(tz)
    ).astimezone(UTC)


def calendar(**overrides) -> DoctorCalendar:
    return DoctorCalendar(**{"doctor_id": 1, "hours": NINE_TO_FIVE, **overrides})


def local_times(slots, tz="UTC"):
    return [s.astimezone(ZoneInfo(tz)).strftime("%H:%M") for s in slots]


def test_a_plain_day_has_sixteen_half_hour_slots():
    slots = day_slots(MONDAY, calendar(), set(), Policy(), NOW)
    assert len(slots) == 16
    assert local_times(slots)[:2] == ["09:00", "09:30"]
    assert local_times(slots)[-1] == "16:30"


def test_breaks_are_gaps_between_intervals():
    hours = {0: [(dt.time(9), dt.time(12)), (dt.time(13), dt.time(15))]}
    slots = day_slots(MONDAY, calendar(hours=hours), set(), Policy(), NOW)
    assert "12:00" not in local_times(slots) and "12:30" not in local_times(slots)
    assert local_times(slots)[-1] == "14:30" and len(slots) == 10


def test_a_long_visit_must_fit_before_the_interval_ends():
    slots = day_slots(
        MONDAY, calendar(), set(), Policy(), NOW, dt.timedelta(minutes=60)
    )
    assert local_times(slots)[-1] == "16:00"


def test_existing_appointments_and_buffer_block_time():
    busy = [(at(MONDAY, 10), at(MONDAY, 10, 30))]
    plain = local_times(day_slots(MONDAY, calendar(busy=busy), set(), Policy(), NOW))
    assert "10:00" not in plain and "09:30" in plain and "10:30" in plain
    buffered = day_slots(
        MONDAY, calendar(busy=busy), set(), Policy(buffer_minutes=10), NOW
    )
    assert "09:30" not in local_times(buffered) and "10:30" not in local_times(buffered)


def test_time_off_and_closures_remove_slots():
    off = [(at(MONDAY, 9), at(MONDAY, 13))]
    slots = day_slots(MONDAY, calendar(time_off=off), set(), Policy(), NOW)
    assert local_times(slots)[0] == "13:00"
    assert day_slots(MONDAY, calendar(), {MONDAY}, Policy(), NOW) == []


def test_weekend_has_no_slots():
    assert day_slots(dt.date(2026, 11, 22), calendar(), set(), Policy(), NOW) == []


def test_minimum_notice_and_the_past():
    now = at(MONDAY, 11, 10)
    slots = day_slots(MONDAY, calendar(), set(), Policy(), now)
    assert local_times(slots)[0] == "12:30"  # 11:10 + 1 h notice, on the grid
    assert (
        day_slots(MONDAY - dt.timedelta(days=7), calendar(), set(), Policy(), now) == []
    )


def test_booking_horizon():
    policy = Policy(horizon_days=3)
    assert day_slots(MONDAY, calendar(), set(), policy, NOW)  # 3 days ahead
    assert (
        day_slots(MONDAY + dt.timedelta(days=1), calendar(), set(), policy, NOW) == []
    )


# DST: the clinic's wall-clock grid is kept; no slot is lost, repeated or shifted.
DST_DAYS = [
    ("America/New_York", dt.date(2026, 3, 8)),  # spring forward
    ("America/New_York", dt.date(2026, 11, 1)),  # fall back
    ("Europe/Berlin", dt.date(2026, 3, 29)),
    ("Europe/Berlin", dt.date(2026, 10, 25)),
]


@pytest.mark.parametrize("tz,day", DST_DAYS)
def test_dst_day_keeps_working_hours_grid(tz, day):
    hours = {day.weekday(): [(dt.time(9), dt.time(17))]}
    now = at(day, 0, tz=tz) - dt.timedelta(days=2)
    slots = day_slots(day, calendar(hours=hours), set(), Policy(timezone=tz), now)
    assert local_times(slots, tz) == [
        f"{h:02d}:{m:02d}" for h in range(9, 17) for m in (0, 30)
    ]
    assert len(set(slots)) == len(slots)
    offsets = {s.astimezone(ZoneInfo(tz)).utcoffset() for s in slots}
    assert len(offsets) == 1  # all after the 02:00/03:00 change, one offset


@pytest.mark.parametrize("tz,day", DST_DAYS)
def test_dst_night_interval_skips_missing_and_never_repeats(tz, day):
    hours = {day.weekday(): [(dt.time(0), dt.time(5))]}
    now = at(day, 0, tz=tz) - dt.timedelta(days=2)
    slots = day_slots(day, calendar(hours=hours), set(), Policy(timezone=tz), now)
    walls = local_times(slots, tz)
    assert len(set(walls)) == len(walls), "no wall time offered twice"
    assert len(set(slots)) == len(slots)
    assert slots == sorted(slots)
    if day.month == 3:  # the gap's wall times do not exist that day
        assert not [w for w in walls if w.startswith("02:")]
        assert len(walls) == 8
    else:
        assert len(walls) == 10
    for s in slots:  # every slot maps back to the wall time it claims
        assert s.astimezone(ZoneInfo(tz)).strftime("%H:%M") in walls


@pytest.mark.parametrize("tz", ["America/New_York", "Europe/Berlin"])
def test_week_across_dst_change_has_same_local_times_each_day(tz):
    policy = Policy(timezone=tz)
    start = dt.date(2026, 10, 22) if tz == "Europe/Berlin" else dt.date(2026, 10, 29)
    now = at(start, 0, tz=tz) - dt.timedelta(days=1)
    for offset in range(7):
        day = start + dt.timedelta(days=offset)
        slots = day_slots(day, calendar(), set(), policy, now)
        expected = 16 if day.weekday() < 5 else 0
        assert len(slots) == expected
        if slots:
            assert local_times(slots, tz)[0] == "09:00"


def test_next_free_slots_merges_doctors_earliest_first():
    first = calendar(doctor_id=1, busy=[(at(MONDAY, 9), at(MONDAY, 10))])
    second = calendar(doctor_id=2)
    found = next_free_slots([first, second], set(), Policy(), NOW, 3, from_day=MONDAY)
    assert found == [(at(MONDAY, 9), 2), (at(MONDAY, 9, 30), 2), (at(MONDAY, 10), 1)]


def test_next_free_slots_skips_full_days_and_stops_at_horizon():
    found = next_free_slots([calendar()], {MONDAY}, Policy(), NOW, 1, from_day=MONDAY)
    assert found == [(at(MONDAY + dt.timedelta(days=1), 9), 1)]
    assert (
        next_free_slots([calendar(hours={})], set(), Policy(horizon_days=5), NOW, 3)
        == []
    )
