"""Reminders at the policy's lead times (default 24 h and 3 h) before a visit.

Lead times are elapsed time, so across a DST change "24 h before" is 24
real hours; the text shows the visit in clinic local time. Work is claimed
per (appointment, lead, start): a rescheduled visit is reminded again for
its new time, and never for its old one.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from peewee import SQL, IntegrityError, fn

from core import audit
from core.clock import from_db, to_db
from core.dialog import contexts
from core.jobs import claims as work
from core.messaging import quiet_hours
from core.messaging.outbox import enqueue_many
from core.messaging.texts import visit_text
from core.models import LIVE_STATUSES, Appointment, Doctor, Patient, ReminderClaim
from core.policy import Policy
from core.storage.db import write_transaction

log = logging.getLogger(__name__)

# Reminders are written a chunk per transaction: few commits, short locks.
CHUNK = 500


def lead_kind(lead_minutes: int) -> str:
    return f"lead:{lead_minutes}"


@dataclass
class Due:
    appointment_id: int
    start: dt.datetime
    leads: list[int] = field(default_factory=list)


def find_due(policy: Policy, now: dt.datetime) -> list[Due]:
    """Live visits still ahead with a reminder due and not yet claimed."""
    horizon = quiet_hours.due_horizon(now, policy)
    due: dict[int, Due] = {}
    for lead in policy.reminder_leads:
        kind = lead_kind(lead)
        done = ReminderClaim.select(SQL("1")).where(
            ReminderClaim.appointment == Appointment.id,
            ReminderClaim.kind == kind,
            ReminderClaim.start == Appointment.start,
        )
        query = (
            Appointment.select(Appointment.id, Appointment.start)
            .where(
                Appointment.start > to_db(now),
                Appointment.start <= to_db(horizon + dt.timedelta(minutes=lead)),
                Appointment.status.in_(LIVE_STATUSES),
                ~fn.EXISTS(done),
            )
            .tuples()
        )
        for appointment_id, start in query:
            item = due.setdefault(appointment_id, Due(appointment_id, from_db(start)))
            item.leads.append(lead)
    return sorted(due.values(), key=lambda d: (d.start, d.appointment_id))


def _chunks(items: list[Due], size: int) -> Iterable[list[Due]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _claimed(ids: list[int]) -> set[tuple[int, str, dt.datetime]]:
    rows = (
        ReminderClaim.select(
            ReminderClaim.appointment, ReminderClaim.kind, ReminderClaim.start
        )
        .where(ReminderClaim.appointment.in_(ids))
        .tuples()
    )
    return {(a, kind, from_db(start)) for a, kind, start in rows}


def _nearest_done(
    taken: set[tuple[int, str, dt.datetime]],
) -> dict[tuple[int, dt.datetime], int]:
    """(appointment, start) -> the smallest lead already handled for it."""
    nearest: dict[tuple[int, dt.datetime], int] = {}
    for appointment_id, kind, start in taken:
        if kind.startswith("lead:"):
            key, lead = (appointment_id, start), int(kind.removeprefix("lead:"))
            nearest[key] = min(lead, nearest.get(key, lead))
    return nearest


def _reminder(appointment: Appointment, policy: Policy) -> tuple[dict, str]:
    """The reminder to queue (an outbox.enqueue_many request), and its language."""
    patient = appointment.patient
    asks = appointment.status == "scheduled" and appointment.needs_confirmation
    lang, body = visit_text(
        contexts.REMINDER_TEXT[asks],
        patient=patient,
        doctor=appointment.doctor.name,
        start=from_db(appointment.start),
        policy=policy,
    )
    request = {
        "patient": patient,
        "body": body,
        "appointment_id": appointment.id,
        "choices": contexts.reminder_choices(lang, asks),
    }
    return request, lang


def _decide(
    appointment: Appointment, lead: int, policy: Policy, now: dt.datetime
) -> str:
    """Why not to send this reminder ('' means send it)."""
    if quiet_hours.is_quiet(now, policy):
        return "skipped_quiet"
    moment = from_db(appointment.start) - dt.timedelta(minutes=lead)
    already_settled = (
        appointment.status == "confirmed" or not appointment.needs_confirmation
    )
    if from_db(appointment.created_at) > moment and already_settled:
        return "booked_late"  # just booked and settled: a reminder now is noise
    return ""


def _act(chunk: list[Due], policy: Policy, now: dt.datetime) -> Counter:
    """Re-read, claim and send one chunk in one transaction."""
    counts: Counter = Counter()
    ids = [d.appointment_id for d in chunk]
    with write_transaction():
        current = {
            a.id: a
            for a in Appointment.select(Appointment, Patient, Doctor)
            .join(Patient)
            .switch(Appointment)
            .join(Doctor)
            .where(Appointment.id.in_(ids))
        }
        taken = _claimed(ids)
        done = _nearest_done(taken)
        decided = []  # (appointment, due, leads, nearest, outcome)
        for due in chunk:
            appointment = current.get(due.appointment_id)
            if (
                appointment is None
                or appointment.status not in LIVE_STATUSES
                or from_db(appointment.start) != due.start
                or due.start <= now
            ):
                continue  # changed since it was found: the new state decides
            leads = [
                lead
                for lead in due.leads
                if (appointment.id, lead_kind(lead), due.start) not in taken
            ]
            if not leads:
                continue
            nearest = min(leads)  # several due at once: send only the latest one
            outcome = _decide(appointment, nearest, policy, now)
            if done.get((appointment.id, due.start), nearest) < nearest:
                outcome = "superseded"  # e.g. a lead added to policy later
            if outcome == "skipped_quiet":
                audit.record(
                    audit.SYSTEM,
                    "reminder skipped",
                    now,
                    appointment_id=appointment.id,
                    patient_id=appointment.patient_id,
                    reason="quiet hours",
                    lead_minutes=nearest,
                )
            decided.append((appointment, due, leads, nearest, outcome))
        sends = [(a, _reminder(a, policy)) for a, *_, outcome in decided if not outcome]
        queued = enqueue_many(
            [request for _, (request, _) in sends], now=now, kind="reminder"
        )
        messages = {a.id: m for (a, _), m in zip(sends, queued, strict=True)}
        claims, opened = [], []
        for (appointment, (_, lang)), message in zip(sends, queued, strict=True):
            if message.status != "not_sent":
                opened.append(
                    contexts.reminder_row(
                        message.channel, message.address, appointment.patient_id,
                        appointment.id, now, lang,
                    )
                )  # fmt: skip
        for appointment, due, leads, nearest, outcome in decided:
            message = messages.get(appointment.id)
            if message is not None:
                outcome = message.status  # queued, or not_sent if unreachable
            counts[f"reminders_{outcome}"] += 1
            for lead in leads:
                claims.append(
                    {
                        "appointment": appointment.id,
                        "kind": lead_kind(lead),
                        "start": to_db(due.start),
                        "outcome": outcome if lead == nearest else "superseded",
                        "message": message.id if message and lead == nearest else None,
                        "claimed_at": to_db(now),
                    }
                )
        if claims:
            # A concurrent scheduler that claimed any of these makes this
            # fail, and the whole chunk (texts included) rolls back.
            work.claim_all(claims)
        contexts.open_contexts(opened, now, policy)
    return counts


def run_reminders(policy: Policy, now: dt.datetime) -> Counter:
    """Send every reminder due now, once."""
    counts: Counter = Counter()
    for chunk in _chunks(find_due(policy, now), CHUNK):
        try:
            counts += _act(chunk, policy, now)
        except IntegrityError:
            log.info("another scheduler claimed part of a chunk; going one by one")
            for due in chunk:
                try:
                    counts += _act([due], policy, now)
                except IntegrityError:
                    counts["reminders_claimed_elsewhere"] += 1
    return counts
