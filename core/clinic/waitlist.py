"""The waitlist: offer a freed slot by text; the first patient to accept gets it.

Acceptance is a compare-and-set on the offer plus the ordinary booking
(whose unique slot claims are the double-booking guarantee), in one
transaction, so two patients answering at once cannot both win.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from core.clinic import booking
from core.clinic.calendar import LIVE_STATUSES, MAX_VISIT
from core.clock import from_db, to_db
from core.errors import DomainError, SlotTaken, SlotUnavailable
from core.jobs.claims import context_row, open_contexts
from core.messaging import quiet_hours
from core.messaging.outbox import enqueue, preferred_channel
from core.messaging.texts import choices, language_for, render, visit_context
from core.models import (
    Appointment,
    Doctor,
    Patient,
    ReminderClaim,
    WaitlistEntry,
    WaitlistOffer,
)
from core.policy import Policy, load_policy
from core.storage.db import is_sqlite, write_transaction

log = logging.getLogger(__name__)

OFFER_MINUTES = 15
OFFERS_PER_SLOT = 3
# A slot starting sooner than this is not worth offering: nobody could come.
MIN_LEAD = dt.timedelta(minutes=10)
OFFER_CHOICES = (("yes", "1"),)  # label key, and the number the dialog reads


class OfferGone(DomainError):
    def __init__(
        self, message: str = "Sorry, that time has already been taken."
    ) -> None:
        super().__init__(message)


class OfferExpired(DomainError):
    def __init__(
        self, message: str = "Sorry, that offer has expired. You stay on the waitlist."
    ) -> None:
        super().__init__(message)


def _text(name: str, patient: Patient, doctor: Doctor, start, policy, **extra):
    lang = language_for(patient.language, policy)
    ctx = visit_context(
        start=start,
        lang=lang,
        policy=policy,
        first_name=patient.first_name,
        doctor=doctor.name,
    )
    return lang, render(lang, name, **ctx, **extra)


def _slot_is_free(doctor_id: int, start: dt.datetime, end: dt.datetime) -> bool:
    """No live visit of this doctor overlaps [start, end)."""
    return not (
        Appointment.select()
        .where(
            Appointment.doctor == doctor_id,
            Appointment.start < to_db(end),
            Appointment.end > to_db(start),
            Appointment.start >= to_db(start - MAX_VISIT),  # stays on the index
            Appointment.status.in_(LIVE_STATUSES),
        )
        .exists()
    )


def _matching_entries(doctor: Doctor, freed: Appointment, day: dt.date, limit: int):
    """Waiting entries that fit this slot and were not yet offered it, oldest first."""
    offered = WaitlistOffer.select(WaitlistOffer.entry).where(
        WaitlistOffer.doctor == doctor.id, WaitlistOffer.start == freed.start
    )
    return list(
        WaitlistEntry.select(WaitlistEntry, Patient)
        .join(Patient)
        .where(
            WaitlistEntry.status == "waiting",
            WaitlistEntry.from_day <= day,
            WaitlistEntry.to_day >= day,
            (WaitlistEntry.doctor.is_null()) | (WaitlistEntry.doctor == doctor.id),
            (WaitlistEntry.department.is_null())
            | (WaitlistEntry.department == doctor.department_id),
            (WaitlistEntry.visit_type.is_null())
            | (WaitlistEntry.visit_type == freed.visit_type_id),
            WaitlistEntry.patient != freed.patient_id,
            WaitlistEntry.id.not_in(offered),
        )
        .order_by(WaitlistEntry.created_at, WaitlistEntry.id)
        .limit(limit)
    )


def time_left_behind(
    appointment: Appointment, doctor_id: int, start: dt.datetime
) -> Appointment:
    """An unsaved copy of a visit at the doctor and time it moved away from.

    offer_slot takes the freed time as an Appointment; a rescheduled visit's
    row now holds its new time, so the old one is rebuilt from the record.
    """
    length = appointment.end - appointment.start
    naive_start = to_db(start)
    return Appointment(
        id=appointment.id,
        doctor=doctor_id,
        patient=appointment.patient_id,
        visit_type=appointment.visit_type_id,
        start=naive_start,
        end=naive_start + length,
        status="cancelled",
    )


def offer_slot(freed: Appointment, policy: Policy, now: dt.datetime) -> list[int]:
    """Offer the time a cancelled visit freed; call inside a write transaction.

    Returns the new offer ids. Nothing is offered when the time is too close,
    already taken again, or still under open offers.
    """
    start, end = from_db(freed.start), from_db(freed.end)
    if start - now < MIN_LEAD or not _slot_is_free(freed.doctor_id, start, end):
        return []
    still_open = WaitlistOffer.select().where(
        WaitlistOffer.doctor == freed.doctor_id,
        WaitlistOffer.start == freed.start,
        WaitlistOffer.status.in_(("open", "accepted")),
    )
    if still_open.exists():
        return []
    doctor = Doctor.get_by_id(freed.doctor_id)
    expires = min(now + dt.timedelta(minutes=OFFER_MINUTES), start)
    minutes = max(1, int((expires - now).total_seconds() // 60))
    day = start.astimezone(policy.tz).date()
    offers, contexts = [], []
    for entry in _matching_entries(doctor, freed, day, OFFERS_PER_SLOT * 3):
        if len(offers) >= OFFERS_PER_SLOT:
            break
        patient = entry.patient
        if preferred_channel(patient) is None:
            continue  # cannot be reached: offering would only block others
        offer = WaitlistOffer.create(
            entry=entry.id,
            patient=patient.id,
            doctor=doctor.id,
            visit_type=freed.visit_type_id,
            start=freed.start,
            freed_from=freed.id,
            expires_at=to_db(expires),
            created_at=to_db(now),
        )
        WaitlistEntry.update(status="offered").where(
            WaitlistEntry.id == entry.id
        ).execute()
        lang, body = _text(
            "sched_waitlist_offer", patient, doctor, start, policy, minutes=minutes
        )
        message = enqueue(
            patient,
            body,
            now=now,
            kind="waitlist",
            choices=choices(lang, OFFER_CHOICES),
        )
        contexts.append(
            context_row(
                message.channel,
                message.address,
                patient.id,
                "waitlist_offer",
                {"offer_id": offer.id},
                now,
                lang,
            )
        )
        offers.append(offer.id)
    open_contexts(contexts, now - dt.timedelta(minutes=policy.idle_timeout_minutes))
    if offers:
        log.info("offered slot of appointment %s to %d patients", freed.id, len(offers))
    return offers


def _tell_others_gone(won: WaitlistOffer, policy: Policy, now: dt.datetime) -> None:
    others = list(
        WaitlistOffer.select(WaitlistOffer, Patient)
        .join(Patient)
        .where(
            WaitlistOffer.doctor == won.doctor_id,
            WaitlistOffer.start == won.start,
            WaitlistOffer.status == "open",
            WaitlistOffer.id != won.id,
        )
    )
    doctor = Doctor.get_by_id(won.doctor_id)
    for other in others:
        other.status = "gone"
        other.answered_at = to_db(now)
        other.save()
        WaitlistEntry.update(status="waiting").where(
            WaitlistEntry.id == other.entry_id, WaitlistEntry.status == "offered"
        ).execute()
        _, body = _text(
            "sched_waitlist_gone",
            other.patient,
            doctor,
            from_db(won.start),
            policy,
        )
        enqueue(other.patient, body, now=now, kind="waitlist")


def _explain(offer_id: int) -> DomainError:
    offer = WaitlistOffer.get_or_none(WaitlistOffer.id == offer_id)
    if offer is not None and offer.status in ("open", "expired"):
        return OfferExpired()
    return OfferGone()


def _lock_slot_offers(doctor_id: int, start: dt.datetime) -> None:
    """Serialize the answers to one slot's offers (in id order, so no deadlock).

    SQLite's write transaction already runs alone; on PostgreSQL two patients
    accepting at once would otherwise each lock their own offer and then wait
    for the other's while telling the others it has gone.
    """
    if is_sqlite():
        return
    query = (
        WaitlistOffer.select(WaitlistOffer.id)
        .where(WaitlistOffer.doctor == doctor_id, WaitlistOffer.start == start)
        .order_by(WaitlistOffer.id)
        .for_update()
    )
    list(query.tuples())


def accept_offer(offer_id: int, patient_id: int, now: dt.datetime) -> Appointment:
    """Book the offered time for the patient, if the offer is still theirs to take."""
    offer = WaitlistOffer.get_or_none(WaitlistOffer.id == offer_id)
    if offer is None or offer.patient_id != patient_id:
        raise OfferGone("Sorry, that offer is no longer available.")
    policy = load_policy()
    # The clinic made this offer itself, so its minimum notice does not apply.
    offer_policy = dataclasses.replace(policy, min_notice_minutes=0)
    try:
        with write_transaction():
            _lock_slot_offers(offer.doctor_id, offer.start)
            won = (
                WaitlistOffer.update(status="accepted", answered_at=to_db(now))
                .where(
                    WaitlistOffer.id == offer_id,
                    WaitlistOffer.status == "open",
                    WaitlistOffer.expires_at > to_db(now),
                )
                .execute()
            )
            if not won:
                raise _explain(offer_id)
            appointment = booking.book(
                patient_id=patient_id,
                doctor_id=offer.doctor_id,
                start=from_db(offer.start),
                policy=offer_policy,
                now=now,
                actor=booking.Actor("patient", patient_id),
                visit_type_id=offer.visit_type_id,
                via="waitlist",
            )
            # Taking the offer is the patient's confirmation.
            appointment = booking.confirm(
                appointment.id, booking.Actor("patient", patient_id), now
            )
            WaitlistOffer.update(booked=appointment.id).where(
                WaitlistOffer.id == offer_id
            ).execute()
            WaitlistEntry.update(status="booked").where(
                WaitlistEntry.id == offer.entry_id
            ).execute()
            _tell_others_gone(offer, policy, now)
    except (SlotTaken, SlotUnavailable):
        with write_transaction():
            WaitlistOffer.update(status="gone", answered_at=to_db(now)).where(
                WaitlistOffer.id == offer_id, WaitlistOffer.status == "open"
            ).execute()
            WaitlistEntry.update(status="waiting").where(
                WaitlistEntry.id == offer.entry_id, WaitlistEntry.status == "offered"
            ).execute()
        raise OfferGone() from None
    log.info("offer %s accepted: appointment %s", offer_id, appointment.id)
    return appointment


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
            offer = WaitlistOffer.get_by_id(offer_id)
            closed = (
                WaitlistOffer.update(status="expired")
                .where(WaitlistOffer.id == offer_id, WaitlistOffer.status == "open")
                .execute()
            )
            if not closed:
                continue
            expired += 1
            WaitlistEntry.update(status="waiting").where(
                WaitlistEntry.id == offer.entry_id, WaitlistEntry.status == "offered"
            ).execute()
            if quiet_hours.is_quiet(now, policy):
                # Texts wait for the morning, so a new offer would expire
                # unseen; release the slot for the morning's freed-slot scan.
                ReminderClaim.delete().where(
                    ReminderClaim.appointment == offer.freed_from_id,
                    ReminderClaim.kind == "waitlist",
                    ReminderClaim.start == offer.start,
                ).execute()
                continue
            freed = Appointment.get_or_none(Appointment.id == offer.freed_from_id)
            if freed is None:
                continue
            if (freed.doctor_id, freed.start) != (offer.doctor_id, offer.start):
                # The visit was rescheduled away from the offered time.
                freed = time_left_behind(freed, offer.doctor_id, from_db(offer.start))
            offer_slot(freed, policy, now)
    return expired
