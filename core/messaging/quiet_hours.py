"""Quiet hours: when non-urgent texts may not go out, in clinic local time.

One rule for the scheduler and the dispatcher, so both agree on every night,
DST nights included. A reminder due inside quiet hours goes in the last
allowed minute before they begin (or is skipped and recorded); a queued
non-urgent text waits until they end.
"""

from __future__ import annotations

import datetime as dt

from core.clock import UTC
from core.policy import Policy

LAST_MINUTE = dt.timedelta(minutes=1)


def _wall(day: dt.date, wall: dt.time, policy: Policy) -> dt.datetime:
    """The UTC instant of a local wall time; a time skipped by DST moves forward."""
    return dt.datetime.combine(day, wall, tzinfo=policy.tz).astimezone(UTC)


def _wraps(policy: Policy) -> bool:
    return policy.quiet_start > policy.quiet_end


def _has_quiet_hours(policy: Policy) -> bool:
    return policy.quiet_start != policy.quiet_end


def is_quiet(moment: dt.datetime, policy: Policy) -> bool:
    """Is this instant inside the clinic's quiet hours?"""
    if not _has_quiet_hours(policy):
        return False
    wall = moment.astimezone(policy.tz).time()
    if _wraps(policy):
        return wall >= policy.quiet_start or wall < policy.quiet_end
    return policy.quiet_start <= wall < policy.quiet_end


def _window_from(day: dt.date, policy: Policy) -> tuple[dt.datetime, dt.datetime]:
    """The quiet window that begins on local date day, as UTC instants."""
    end_day = day + dt.timedelta(days=1) if _wraps(policy) else day
    return _wall(day, policy.quiet_start, policy), _wall(
        end_day, policy.quiet_end, policy
    )


def window_containing(
    moment: dt.datetime, policy: Policy
) -> tuple[dt.datetime, dt.datetime] | None:
    """The quiet window (start, end) holding moment, or None."""
    if not is_quiet(moment, policy):
        return None
    local = moment.astimezone(policy.tz)
    day = local.date()
    if _wraps(policy) and local.time() < policy.quiet_end:
        day -= dt.timedelta(days=1)  # the window began the evening before
    return _window_from(day, policy)


def quiet_until(now: dt.datetime, policy: Policy) -> dt.datetime | None:
    """When the quiet hours around now end (aware UTC), or None outside them."""
    window = window_containing(now, policy)
    return None if window is None else window[1]


def due_horizon(now: dt.datetime, policy: Policy) -> dt.datetime:
    """The latest due moment whose text must go out now.

    Normally now; in the last allowed minute before quiet hours, the end of
    those quiet hours, since texts due inside them go out now or never.
    """
    if not _has_quiet_hours(policy) or is_quiet(now, policy):
        return now
    local = now.astimezone(policy.tz)
    day = local.date()
    if not _wraps(policy) and local.time() >= policy.quiet_end:
        day += dt.timedelta(days=1)
    start, end = _window_from(day, policy)
    return end if now >= start - LAST_MINUTE else now
