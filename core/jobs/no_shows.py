"""No-shows: live visits not completed by their end plus the grace period."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter

from core import audit
from core.clinic import booking
from core.clinic.calendar import MAX_VISIT
from core.clock import to_db
from core.errors import InvalidTransition
from core.models import LIVE_STATUSES, Appointment
from core.policy import Policy

log = logging.getLogger(__name__)

# After a longer outage, older visits are left for staff to settle by hand:
# marking last month's visits no-show unseen would be wrong more than right.
LOOKBACK = dt.timedelta(days=2)


def find_overdue(policy: Policy, now: dt.datetime) -> list[int]:
    """Live visits whose end plus grace has passed, within the look-back."""
    cutoff = now - dt.timedelta(minutes=policy.no_show_grace_minutes)
    query = (
        Appointment.select(Appointment.id)
        .where(
            Appointment.start >= to_db(cutoff - LOOKBACK - MAX_VISIT),
            Appointment.start < to_db(cutoff),
            Appointment.status.in_(LIVE_STATUSES),
            Appointment.end <= to_db(cutoff),
        )
        .order_by(Appointment.start)
        .tuples()
    )
    return [appointment_id for (appointment_id,) in query]


def run_no_shows(policy: Policy, now: dt.datetime) -> Counter:
    """Mark overdue visits no_show (compare-and-set: a completion wins)."""
    counts: Counter = Counter()
    for appointment_id in find_overdue(policy, now):
        try:
            booking.mark_no_show(appointment_id, audit.SYSTEM, now)
        except InvalidTransition:
            counts["no_show_changed"] += 1
        else:
            counts["no_shows"] += 1
    return counts
