"""Quiet hours are computed in clinic local time, DST nights included."""

from __future__ import annotations

import datetime as dt

import pytest

from core.messaging import quiet_hours
from core.policy import Policy
from tests.core.jobs.conftest import at

T0 = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
MADRID = Policy(timezone="Europe/Madrid")
NEW_YORK = Policy(timezone="America/New_York")


@pytest.mark.parametrize(
    ("hour", "minute", "quiet"),
    [(20, 59, False), (21, 0, True), (3, 0, True), (7, 59, True), (8, 0, False)],
)
def test_quiet_window_wraps_midnight(hour, minute, quiet):
    moment = at(dt.date(2026, 11, 23), hour, minute, "Europe/Madrid")
    assert quiet_hours.is_quiet(moment, MADRID) is quiet


def test_horizon_reaches_over_the_night_only_in_the_last_minute():
    evening = at(dt.date(2026, 11, 23), 20, 58, "Europe/Madrid")
    assert quiet_hours.due_horizon(evening, MADRID) == evening
    last_minute = at(dt.date(2026, 11, 23), 20, 59, "Europe/Madrid")
    assert quiet_hours.due_horizon(last_minute, MADRID) == at(
        dt.date(2026, 11, 24), 8, 0, "Europe/Madrid"
    )
    night = at(dt.date(2026, 11, 23), 23, 0, "Europe/Madrid")
    assert quiet_hours.due_horizon(night, MADRID) == night


@pytest.mark.parametrize(
    ("policy", "evening", "hours"),
    [
        (MADRID, dt.date(2027, 3, 27), 10),  # clocks go forward: a short night
        (MADRID, dt.date(2026, 10, 24), 12),  # clocks go back: a long night
        (NEW_YORK, dt.date(2027, 3, 13), 10),
        (NEW_YORK, dt.date(2026, 10, 31), 12),
    ],
)
def test_dst_nights_keep_local_quiet_hours(policy, evening, hours):
    moment = at(evening, 23, 0, policy.timezone)
    start, end = quiet_hours.window_containing(moment, policy)
    assert start.astimezone(policy.tz).time() == dt.time(21, 0)
    assert end.astimezone(policy.tz).time() == dt.time(8, 0)
    assert end - start == dt.timedelta(hours=hours)
    # 3 a.m. local is quiet whatever the offset that night.
    three = at(evening + dt.timedelta(days=1), 3, 0, policy.timezone)
    assert quiet_hours.is_quiet(three, policy)


def test_no_quiet_hours_when_start_equals_end():
    policy = Policy(quiet_start=dt.time(0), quiet_end=dt.time(0))
    moment = at(dt.date(2026, 11, 23), 3, 0)
    assert not quiet_hours.is_quiet(moment, policy)
    assert quiet_hours.due_horizon(moment, policy) == moment


# The dispatcher holds a non-urgent text until quiet hours end.
@pytest.mark.parametrize(
    ("now", "quiet"),
    [("20:59", False), ("21:00", True), ("23:30", True), ("03:00", True),
     ("07:59", True), ("08:00", False), ("12:00", False)],
)  # fmt: skip
def test_quiet_hours_wrap_midnight(now, quiet):
    moment = dt.datetime.combine(T0.date(), dt.time.fromisoformat(now), dt.UTC)
    assert (quiet_hours.quiet_until(moment, Policy()) is not None) is quiet


def test_quiet_hours_within_a_day_and_none():
    midday = Policy(quiet_start=dt.time(12), quiet_end=dt.time(14))
    at = lambda hour: dt.datetime.combine(T0.date(), dt.time(hour), dt.UTC)  # noqa: E731
    assert quiet_hours.quiet_until(at(13), midday) == at(14)
    assert quiet_hours.quiet_until(at(15), midday) is None
    never = Policy(quiet_start=dt.time(0), quiet_end=dt.time(0))
    assert quiet_hours.quiet_until(at(3), never) is None


def test_quiet_until_is_the_local_morning_across_a_dst_change():
    policy = Policy(timezone="Europe/Berlin")
    # 22:00 Berlin on the night clocks go back (25 Oct 2026, 03:00 -> 02:00).
    evening = dt.datetime(2026, 10, 24, 20, 0, tzinfo=dt.UTC)
    end = quiet_hours.quiet_until(evening, policy)
    assert end.astimezone(policy.tz).replace(tzinfo=None) == dt.datetime(
        2026, 10, 25, 8
    )
    assert end == dt.datetime(2026, 10, 25, 7, 0, tzinfo=dt.UTC)
    assert (
        quiet_hours.quiet_until(dt.datetime(2026, 10, 25, 9, 0, tzinfo=dt.UTC), policy)
        is None
    )
