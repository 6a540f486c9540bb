"""The waitlist: who waits for which time, the offers made, the first to accept.

The one writer of waitlist_entry and waitlist_offer. Acceptance is a
compare-and-set on the offer plus the ordinary booking (whose unique slot
claims are the double-booking guarantee), in one transaction, so two
patients answering at once cannot both win. Making and expiring offers is
the scheduler's (core.jobs.offers): each opens a conversation context.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from core import audit
from core.clinic import booking
from core.clinic.calendar import MAX_VISIT
from core.clock import from_db, to_db
from core.errors import DomainError, SlotTaken, SlotUnavailable
from core.messaging.outbox import enqueue
from core.messaging.texts import visit_text
from core.models import (
    LIVE_STATUSES,
    Appointment,
    Doctor,
    Patient,
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


def join(
    patient_id: int,
    *,
    doctor_id: int | None,
    department_id: int | None,
    visit_type_id: int | None,
    from_day: dt.date,
    to_day: dt.date,
) -> None:
    """Add a waitlist entry unless the same one is already waiting."""
    fields = {
        "patient": patient_id,
        "doctor": doctor_id,
        "department": department_id,
        "visit_type": visit_type_id,
        "from_day": from_day,
        "to_day": to_day,
    }
    # "Any doctor" (None) is a different wish from one doctor: match nulls too.
    exists = WaitlistEntry.select().where(
        *(
            getattr(WaitlistEntry, k).is_null()
            if v is None
            else getattr(WaitlistEntry, k) == v
            for k, v in fields.items()
        ),
        WaitlistEntry.status == "waiting",
    )
    if not exists.exists():
        WaitlistEntry.insert(**fields, status="waiting").execute()


def remove(entry_id: int) -> bool:
    """Staff take a patient off the waitlist (kept as expired for the record)."""
    return bool(
        WaitlistEntry.update(status="expired")
        .where(
            WaitlistEntry.id == entry_id,
            WaitlistEntry.status.in_(("waiting", "offered")),
        )
        .execute()
    )


def reassign_patient(from_patient: int, to_patient: int) -> None:
    """Give one patient's entries and offers to another (two records merged)."""
    for model in (WaitlistEntry, WaitlistOffer):
        model.update(patient=to_patient).where(model.patient == from_patient).execute()


def slot_is_free(doctor_id: int, start: dt.datetime, end: dt.datetime) -> bool:
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


def under_offer(doctor_id: int, start: dt.datetime) -> bool:
    """Is this time of the doctor's offered (or just taken) by an open offer?"""
    return (
        WaitlistOffer.select()
        .where(
            WaitlistOffer.doctor == doctor_id,
            WaitlistOffer.start == start,
            WaitlistOffer.status.in_(("open", "accepted")),
        )
        .exists()
    )


def matching_entries(doctor: Doctor, freed: Appointment, day: dt.date, limit: int):
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


def make_offer(
    entry: WaitlistEntry, freed: Appointment, expires: dt.datetime, now: dt.datetime
) -> int:
    """Offer the freed time to the entry's patient; the new offer's id."""
    offer_id = WaitlistOffer.insert(
        entry=entry.id,
        patient=entry.patient_id,
        doctor=freed.doctor_id,
        visit_type=freed.visit_type_id,
        start=freed.start,
        freed_from=freed.id,
        status="open",
        expires_at=to_db(expires),
        created_at=to_db(now),
    ).execute()
    WaitlistEntry.update(status="offered").where(WaitlistEntry.id == entry.id).execute()
    return offer_id


def expire(offer_id: int) -> WaitlistOffer | None:
    """Close an open offer nobody took; the offer, or None if it was not open."""
    offer = WaitlistOffer.get_by_id(offer_id)
    closed = (
        WaitlistOffer.update(status="expired")
        .where(WaitlistOffer.id == offer_id, WaitlistOffer.status == "open")
        .execute()
    )
    if not closed:
        return None
    _back_to_waiting(offer.entry_id)
    return offer


def _back_to_waiting(entry_id: int) -> None:
    WaitlistEntry.update(status="waiting").where(
        WaitlistEntry.id == entry_id, WaitlistEntry.status == "offered"
    ).execute()


def time_left_behind(
    appointment: Appointment, doctor_id: int, start: dt.datetime
) -> Appointment:
    """An unsaved copy of a visit at the doctor and time it moved away from.

    Offers take the freed time as an Appointment; a rescheduled visit's row
    now holds its new time, so the old one is rebuilt from the record.
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
        WaitlistOffer.update(status="gone", answered_at=to_db(now)).where(
            WaitlistOffer.id == other.id
        ).execute()
        _back_to_waiting(other.entry_id)
        _, body = visit_text(
            "sched_waitlist_gone",
            patient=other.patient,
            doctor=doctor.name,
            start=from_db(won.start),
            policy=policy,
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
    patient = audit.Actor("patient", patient_id)
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
                actor=patient,
                visit_type_id=offer.visit_type_id,
                via="waitlist",
            )
            # Taking the offer is the patient's confirmation.
            appointment = booking.confirm(appointment.id, patient, now)
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
            _back_to_waiting(offer.entry_id)
        raise OfferGone() from None
    log.info("offer %s accepted: appointment %s", offer_id, appointment.id)
    return appointment
