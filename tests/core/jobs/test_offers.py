"""Waitlist offers: the first to accept gets the slot, the others are told."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from core import audit
from core.clinic import booking, waitlist
from core.clock import to_db
from core.jobs.housekeeping import run_housekeeping
from core.jobs.offers import offer_freed_slots
from core.models import Appointment, Conversation, Message, WaitlistEntry, WaitlistOffer
from core.policy import load_policy
from tests.core.jobs.conftest import MONDAY, at, run_in_threads, visit
from tests.factories import make_patient

TUESDAY = MONDAY + dt.timedelta(days=1)
NOW = at(MONDAY, 10)


def wait_for(patient, doctor=None, created=0, **fields) -> WaitlistEntry:
    row = {
        "patient": patient,
        "doctor": doctor,
        "from_day": MONDAY,
        "to_day": TUESDAY,
        "created_at": to_db(NOW - dt.timedelta(days=10 - created)),
    }
    return WaitlistEntry.create(**{**row, **fields})


@pytest.fixture
def freed(clinic):
    """Tuesday 11:00 with the clinic's doctor, just cancelled by its patient."""
    doctor, patient = clinic
    appointment = visit(doctor, patient, at(TUESDAY, 11))
    booking.cancel(appointment.id, audit.Actor("patient", patient.id), "", NOW)
    return doctor, appointment


def offers_to(patient):
    return list(WaitlistOffer.select().where(WaitlistOffer.patient == patient.id))


def test_freed_slot_is_offered_to_the_first_matching_patients(freed):
    doctor, cancelled = freed
    waiting = [make_patient(name=f"Wait {n}") for n in range(5)]
    for n, patient in enumerate(waiting):
        wait_for(patient, doctor if n != 1 else None, created=n)
    wait_for(make_patient(), from_day=MONDAY + dt.timedelta(days=5), created=0)
    assert offer_freed_slots(load_policy(), NOW) == 3
    offered = [p for p in waiting if offers_to(p)]
    assert offered == waiting[:3]
    (offer,) = offers_to(waiting[0])
    message = Message.get(patient=waiting[0].id, kind="waitlist")
    assert "Tue 24 Nov, 11:00" in message.body and "within 15 min" in message.body
    conversation = Conversation.get(address=waiting[0].phone)
    assert conversation.state == "waitlist_offer"
    assert json.loads(conversation.data) == {"offer_id": offer.id}
    assert WaitlistEntry.get(patient=waiting[0].id).status == "offered"
    # The same freed slot is not offered twice.
    assert offer_freed_slots(load_policy(), NOW + dt.timedelta(minutes=1)) == 0


def test_first_to_accept_gets_it_and_the_others_are_told(freed):
    doctor, _ = freed
    first, second = make_patient(), make_patient()
    wait_for(first, doctor, created=0)
    wait_for(second, doctor, created=1)
    offer_freed_slots(load_policy(), NOW)
    (offer_b,) = offers_to(second)
    (offer_a,) = offers_to(first)

    later = NOW + dt.timedelta(minutes=5)
    appointment = waitlist.accept_offer(offer_b.id, second.id, later)
    assert appointment.patient_id == second.id
    assert appointment.status == "confirmed"
    assert Appointment.get_by_id(appointment.id).start == to_db(at(TUESDAY, 11))
    assert WaitlistEntry.get(patient=second.id).status == "booked"
    assert WaitlistEntry.get(patient=first.id).status == "waiting"
    gone = Message.get(patient=first.id, body__contains="has gone")
    assert gone.kind == "waitlist"

    with pytest.raises(waitlist.OfferGone) as error:
        waitlist.accept_offer(offer_a.id, first.id, later + dt.timedelta(minutes=1))
    assert "taken" in str(error.value)
    with pytest.raises(waitlist.OfferGone):
        waitlist.accept_offer(offer_b.id, first.id, later)  # not theirs


def test_offer_expires_cleanly_and_the_slot_goes_to_the_next_in_line(freed):
    doctor, _ = freed
    patients = [make_patient() for _ in range(4)]
    for n, patient in enumerate(patients):
        wait_for(patient, doctor, created=n)
    policy = load_policy()
    offer_freed_slots(policy, NOW)
    late = NOW + dt.timedelta(minutes=waitlist.OFFER_MINUTES)
    counts = run_housekeeping(policy, late)
    assert counts["offers_expired"] == 3
    (stale,) = offers_to(patients[0])
    assert WaitlistOffer.get_by_id(stale.id).status == "expired"
    assert WaitlistEntry.get(patient=patients[0].id).status == "waiting"
    with pytest.raises(waitlist.OfferExpired):
        waitlist.accept_offer(stale.id, patients[0].id, late)
    (fresh,) = offers_to(patients[3])
    assert WaitlistOffer.get_by_id(fresh.id).status == "open"
    booked = waitlist.accept_offer(fresh.id, patients[3].id, late)
    assert booked.patient_id == patients[3].id


def test_offer_for_a_time_someone_else_booked_meanwhile_is_gone(freed):
    doctor, _ = freed
    patient = make_patient()
    wait_for(patient, doctor)
    offer_freed_slots(load_policy(), NOW)
    (offer,) = offers_to(patient)
    booking.book(
        patient_id=make_patient().id,
        doctor_id=doctor.id,
        start=at(TUESDAY, 11),
        policy=load_policy(),
        now=NOW,
        actor=audit.SYSTEM,
    )
    with pytest.raises(waitlist.OfferGone):
        waitlist.accept_offer(offer.id, patient.id, NOW + dt.timedelta(minutes=1))
    assert WaitlistOffer.get_by_id(offer.id).status == "gone"
    assert WaitlistEntry.get(patient=patient.id).status == "waiting"


def test_no_offers_during_quiet_hours(freed):
    doctor, _ = freed
    wait_for(make_patient(), doctor)
    night = at(MONDAY, 22)
    assert offer_freed_slots(load_policy(), night) == 0
    assert offer_freed_slots(load_policy(), at(TUESDAY, 8)) == 1


def test_two_patients_accepting_at_once_cannot_both_get_the_slot(freed):
    doctor, _ = freed
    patients = [make_patient() for _ in range(3)]
    for n, patient in enumerate(patients):
        wait_for(patient, doctor, created=n)
    offer_freed_slots(load_policy(), NOW)
    offers = [offers_to(p)[0] for p in patients]
    later = NOW + dt.timedelta(minutes=2)

    def taker(offer):
        def take():
            try:
                return waitlist.accept_offer(offer.id, offer.patient_id, later).id
            except waitlist.OfferGone:
                return None

        return take

    results = run_in_threads(taker(offers[0]), 1, taker(offers[1]), taker(offers[2]))
    assert len([r for r in results if r is not None]) == 1
    live = Appointment.select().where(
        Appointment.start == to_db(at(TUESDAY, 11)),
        Appointment.status.in_(("scheduled", "confirmed")),
    )
    assert live.count() == 1
    assert WaitlistOffer.select().where(WaitlistOffer.status == "accepted").count() == 1


def test_time_left_by_a_rescheduled_visit_is_offered_too(clinic):
    doctor, patient = clinic
    moving = visit(doctor, patient, at(TUESDAY, 11))
    waiting = make_patient(name="Wait Long")
    wait_for(waiting, doctor)
    booking.reschedule(
        moving.id, at(TUESDAY, 15), policy=load_policy(), now=NOW, actor=audit.SYSTEM
    )
    policy = load_policy()
    assert offer_freed_slots(policy, NOW) == 1
    assert offer_freed_slots(policy, NOW + dt.timedelta(minutes=1)) == 0  # once
    (offer,) = offers_to(waiting)
    assert offer.start == to_db(at(TUESDAY, 11))
    booked = waitlist.accept_offer(offer.id, waiting.id, NOW + dt.timedelta(minutes=2))
    assert (booked.patient_id, booked.start) == (waiting.id, to_db(at(TUESDAY, 11)))
    assert Appointment.get_by_id(moving.id).start == to_db(at(TUESDAY, 15))


def test_a_visit_moved_by_half_an_hour_leaves_no_free_time_to_offer(clinic):
    doctor, patient = clinic
    long_visit = visit(doctor, patient, at(TUESDAY, 11))
    wait_for(make_patient(), doctor)
    booking.reschedule(
        long_visit.id,
        at(TUESDAY, 11, 30),
        policy=load_policy(),
        now=NOW,
        actor=audit.SYSTEM,
    )
    booking.reschedule(
        long_visit.id,
        at(TUESDAY, 11),
        policy=load_policy(),
        now=NOW,
        actor=audit.SYSTEM,
    )
    # 11:30 is free again but 11:00 is held by the visit itself once more.
    assert offer_freed_slots(load_policy(), NOW) == 1
    (offer,) = WaitlistOffer.select()
    assert offer.start == to_db(at(TUESDAY, 11, 30))


def test_offers_expiring_at_night_wait_for_the_morning(clinic):
    """No new offers are made in quiet hours: their texts could not go out."""
    doctor, patient = clinic
    evening = at(MONDAY, 20, 50)
    appointment = visit(doctor, patient, at(TUESDAY, 11))
    booking.cancel(appointment.id, audit.Actor("patient", patient.id), "", evening)
    waiting = [make_patient(name=f"Night {n}") for n in range(6)]
    for n, person in enumerate(waiting):
        wait_for(person, doctor, created=n)
    policy = load_policy()
    assert offer_freed_slots(policy, evening) == 3
    night = evening + dt.timedelta(minutes=waitlist.OFFER_MINUTES)
    assert run_housekeeping(policy, night)["offers_expired"] == 3
    assert WaitlistOffer.select().count() == 3  # nobody new offered at night
    morning = at(TUESDAY, 8)
    assert offer_freed_slots(policy, morning) == 3
    fresh = WaitlistOffer.select().where(WaitlistOffer.status == "open")
    assert {o.patient_id for o in fresh} == {p.id for p in waiting[3:]}
