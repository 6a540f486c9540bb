"""Time conversions: the database holds naive UTC, people see clinic time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

UTC = dt.UTC

Clock = Callable[[], dt.datetime]


def system_clock() -> dt.datetime:
    """Aware UTC now; tests pass their own clock instead."""
    return dt.datetime.now(UTC)


def to_db(moment: dt.datetime) -> dt.datetime:
    """Aware datetime -> naive UTC for a column."""
    zone = moment.tzinfo
    if zone is UTC:  # nearly every call; astimezone alone costs a microsecond
        return moment.replace(tzinfo=None)
    if zone is None:
        raise ValueError("refusing a naive datetime: its zone is unknown")
    return moment.astimezone(UTC).replace(tzinfo=None)


def from_db(value: dt.datetime) -> dt.datetime:
    """Naive UTC from a column -> aware UTC."""
    if isinstance(value, str):  # SQLite may hand back text for raw queries
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC)


def local(moment: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    return moment.astimezone(tz)


def wall_to_utc(day: dt.date, wall: dt.time, tz: ZoneInfo) -> dt.datetime | None:
    """The UTC instant of a local wall time, or None if the day skips it.

    For a wall time that occurs twice (the autumn change) the first
    occurrence is used, so a slot is never offered twice.
    """
    naive = dt.datetime.combine(day, wall)
    first = naive.replace(tzinfo=tz, fold=0)
    as_utc = first.astimezone(UTC)
    if as_utc.astimezone(tz).replace(tzinfo=None) != naive:
        return None  # spring-forward gap
    return as_utc
