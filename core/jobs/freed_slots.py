"""Freed slots: find fresh cancellations and offer each time to the waitlist once."""

from __future__ import annotations

import datetime as dt

from peewee import SQL, fn

from core.clock import from_db, to_db
from core.db import write_transaction
from core.jobs import quiet_hours
from core.jobs.claims import claim
from core.models import Appointment, ReminderClaim
from core.policy import Policy
from core.waitlist import MIN_LEAD, offer_slot

# Cancellations older than this are not offered: the waitlist wants fresh news.
FRESH = dt.timedelta(days=1)
CLAIM_KIND = "waitlist"


def find_freed(now: dt.datetime) -> list[int]:
    """Visits cancelled lately whose time is still ahead and not yet offered."""
    done = ReminderClaim.select(SQL("1")).where(
        ReminderClaim.appointment == Appointment.id,
        ReminderClaim.kind == CLAIM_KIND,
        ReminderClaim.start == Appointment.start,
    )
    # Only cancelled_at bounds the query, so the planner takes its index (a
    # start bound tempts it onto (start, status) and a scan of the future).
    query = (
        Appointment.select(Appointment.id, Appointment.start)
        .where(
            Appointment.cancelled_at >= to_db(now - FRESH),
            Appointment.status == "cancelled",
            ~fn.EXISTS(done),
        )
        .tuples()
    )
    soonest = now + MIN_LEAD
    ahead = sorted((from_db(start), aid) for aid, start in query)
    return [aid for start, aid in ahead if start > soonest]


def offer_freed_slots(policy: Policy, now: dt.datetime) -> int:
    """Offer every freshly freed slot to the waitlist, once per slot."""
    if quiet_hours.is_quiet(now, policy):
        return 0  # offers are not urgent: they wait for the morning
    offered = 0
    for appointment_id in find_freed(now):
        with write_transaction():
            freed = Appointment.get_or_none(Appointment.id == appointment_id)
            if freed is None or freed.status != "cancelled":
                continue
            work = claim(freed.id, CLAIM_KIND, from_db(freed.start), now)
            if work is None:
                continue
            offers = offer_slot(freed, policy, now)
            work.outcome = f"offered:{len(offers)}"
            work.save()
            offered += len(offers)
    return offered
