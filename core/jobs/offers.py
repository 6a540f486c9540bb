"""Freed slots: find fresh cancellations and offer each time to the waitlist once."""

from __future__ import annotations

import datetime as dt
import json

from peewee import SQL, fn

from core.clinic.waitlist import MIN_LEAD, offer_slot, time_left_behind
from core.clock import from_db, to_db
from core.jobs.claims import claim
from core.messaging import quiet_hours
from core.models import Appointment, AuditLog, ReminderClaim
from core.policy import Policy
from core.storage.db import write_transaction

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


def find_moved(now: dt.datetime) -> list[tuple[int, int, dt.datetime]]:
    """(appointment, old doctor, old start) of visits rescheduled lately.

    The audit row of a reschedule records where the visit was; rows from
    before it recorded the old doctor are skipped.
    """
    rows = (
        AuditLog.select(AuditLog.appointment, AuditLog.detail)
        .where(AuditLog.at >= to_db(now - FRESH), AuditLog.action == "reschedule")
        .tuples()
    )
    soonest = now + MIN_LEAD
    candidates = []
    for appointment_id, detail in rows:
        record = json.loads(detail or "{}")
        if appointment_id is None or "old_doctor" not in record:
            continue
        old_start = dt.datetime.fromisoformat(record["old_start"])
        if old_start > soonest:
            candidates.append((appointment_id, record["old_doctor"], old_start))
    if not candidates:
        return []
    # One indexed look-up, so a slot already offered costs no write each tick.
    offered = set(
        ReminderClaim.select(ReminderClaim.appointment, ReminderClaim.start)
        .where(
            ReminderClaim.appointment.in_([c[0] for c in candidates]),
            ReminderClaim.kind == CLAIM_KIND,
        )
        .tuples()
    )
    return [c for c in candidates if (c[0], to_db(c[2])) not in offered]


def _offer_once(freed: Appointment, policy: Policy, now: dt.datetime) -> int:
    """Offer the freed time unless another scheduler already did."""
    work = claim(freed.id, CLAIM_KIND, from_db(freed.start), now)
    if work is None:
        return 0
    offers = offer_slot(freed, policy, now)
    work.outcome = f"offered:{len(offers)}"
    work.save()
    return len(offers)


def offer_freed_slots(policy: Policy, now: dt.datetime) -> int:
    """Offer every freshly freed slot to the waitlist, once per slot.

    A slot is freed by a cancellation, or by a visit rescheduled away from it.
    """
    if quiet_hours.is_quiet(now, policy):
        return 0  # offers are not urgent: they wait for the morning
    offered = 0
    for appointment_id in find_freed(now):
        with write_transaction():
            freed = Appointment.get_or_none(Appointment.id == appointment_id)
            if freed is not None and freed.status == "cancelled":
                offered += _offer_once(freed, policy, now)
    for appointment_id, old_doctor, old_start in find_moved(now):
        with write_transaction():
            visit = Appointment.get_or_none(Appointment.id == appointment_id)
            if visit is not None:
                left = time_left_behind(visit, old_doctor, old_start)
                offered += _offer_once(left, policy, now)
    return offered
