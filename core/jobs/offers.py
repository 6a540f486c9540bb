"""Freed slots to the waitlist: offer each fresh one once, by text; expire offers.

A slot is freed by a cancellation or by a visit moved away from it. Each is
claimed once (core.jobs.claims), offered to the first few matching patients,
and offered on to the next ones when an offer expires untaken.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

from peewee import SQL, fn

from core.clinic import waitlist
from core.clinic.waitlist import MIN_LEAD, OFFER_MINUTES, OFFERS_PER_SLOT
from core.clock import from_db, to_db
from core.dialog import contexts
from core.jobs import claims
from core.messaging import quiet_hours
from core.messaging.outbox import enqueue, first_route
from core.messaging.texts import visit_text
from core.models import Appointment, AuditLog, Doctor, ReminderClaim, WaitlistOffer
from core.policy import Policy
from core.storage.db import write_transaction

log = logging.getLogger(__name__)

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


def offer_slot(freed: Appointment, policy: Policy, now: dt.datetime) -> list[int]:
    """Offer the time a cancelled visit freed; call inside a write transaction.

    Returns the new offer ids. Nothing is offered when the time is too close,
    already taken again, or still under open offers.
    """
    start, end = from_db(freed.start), from_db(freed.end)
    if start - now < MIN_LEAD or not waitlist.slot_is_free(freed.doctor_id, start, end):
        return []
    if waitlist.under_offer(freed.doctor_id, freed.start):
        return []
    doctor = Doctor.get_by_id(freed.doctor_id)
    expires = min(now + dt.timedelta(minutes=OFFER_MINUTES), start)
    minutes = max(1, int((expires - now).total_seconds() // 60))
    day = start.astimezone(policy.tz).date()
    offers, opened = [], []
    for entry in waitlist.matching_entries(doctor, freed, day, OFFERS_PER_SLOT * 3):
        if len(offers) >= OFFERS_PER_SLOT:
            break
        patient = entry.patient
        if first_route(patient) is None:
            continue  # cannot be reached: offering would only block others
        offer_id = waitlist.make_offer(entry, freed, expires, now)
        lang, body = visit_text(
            "sched_waitlist_offer",
            patient=patient,
            doctor=doctor.name,
            start=start,
            policy=policy,
            minutes=minutes,
        )
        message = enqueue(
            patient,
            body,
            now=now,
            kind="waitlist",
            choices=contexts.offer_choices(lang),
        )
        opened.append(
            contexts.offer_row(
                message.channel, message.address, patient.id, offer_id, now, lang
            )
        )
        offers.append(offer_id)
    contexts.open_contexts(opened, now, policy)
    if offers:
        log.info("offered slot of appointment %s to %d patients", freed.id, len(offers))
    return offers


def expire_offers(policy: Policy, now: dt.datetime) -> int:
    """Close offers nobody took in time, and offer the slot to the next in line."""
    expired = 0
    stale = list(
        WaitlistOffer.select(WaitlistOffer.id)
        .where(WaitlistOffer.status == "open", WaitlistOffer.expires_at <= to_db(now))
        .tuples()
    )
    for (offer_id,) in stale:
        with write_transaction():
            offer = waitlist.expire(offer_id)
            if offer is None:
                continue
            expired += 1
            if quiet_hours.is_quiet(now, policy):
                # Texts wait for the morning, so a new offer would expire
                # unseen; release the slot for the morning's freed-slot scan.
                claims.release(offer.freed_from_id, CLAIM_KIND, from_db(offer.start))
                continue
            freed = Appointment.get_or_none(Appointment.id == offer.freed_from_id)
            if freed is None:
                continue
            if (freed.doctor_id, freed.start) != (offer.doctor_id, offer.start):
                # The visit was rescheduled away from the offered time.
                left = from_db(offer.start)
                freed = waitlist.time_left_behind(freed, offer.doctor_id, left)
            offer_slot(freed, policy, now)
    return expired


def _offer_once(freed: Appointment, policy: Policy, now: dt.datetime) -> int:
    """Offer the freed time unless another scheduler already did."""
    work = claims.claim(freed.id, CLAIM_KIND, from_db(freed.start), now)
    if work is None:
        return 0
    offers = offer_slot(freed, policy, now)
    claims.settle(work, f"offered:{len(offers)}")
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
                left = waitlist.time_left_behind(visit, old_doctor, old_start)
                offered += _offer_once(left, policy, now)
    return offered
