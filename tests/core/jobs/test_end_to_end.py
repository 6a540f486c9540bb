"""Scheduler and dialog together: a whole tick, and answers to its texts."""

from __future__ import annotations

import datetime as dt

from core import audit
from core.clinic import booking
from core.dialog.service import handle_inbound
from core.jobs import runner
from core.messaging.inbound import Inbound
from core.models import Appointment, Message, WaitlistEntry, WaitlistOffer
from tests.core.jobs.conftest import MONDAY, at, deliver_all, visit
from tests.factories import make_patient

TUESDAY = MONDAY + dt.timedelta(days=1)


def test_a_tick_cancels_the_unconfirmed_visit_and_offers_its_slot(clinic):
    doctor, patient = clinic
    start = at(TUESDAY, 12)
    appointment = visit(doctor, patient, start)
    first, second = make_patient(name="Ann First"), make_patient(name="Bo Second")
    for n, waiting in enumerate((first, second)):
        WaitlistEntry.create(
            patient=waiting,
            doctor=doctor,
            from_day=TUESDAY,
            to_day=TUESDAY,
            created_at=dt.datetime(2026, 11, 1, n),
        )
    assert runner.run_all(at(MONDAY, 12)) == {"reminders_queued": 1}
    deliver_all()
    assert runner.run_all(at(TUESDAY, 9)) == {"reminders_queued": 1}
    deliver_all()

    summary = runner.run_all(start - dt.timedelta(minutes=15))
    assert summary == {"deadline_auto_cancelled": 1, "offers_made": 2}
    assert Appointment.get_by_id(appointment.id).status == "cancelled"

    # The first to answer "1" gets the time; the second is told it has gone.
    now = start - dt.timedelta(minutes=12)
    replies = handle_inbound(Inbound("sms", second.phone, "1", provider_id="SM1"), now)
    booked = Appointment.get(patient=second.id)
    assert booked.status == "confirmed" and booked.start == appointment.start
    assert any("12:00" in reply.text for reply in replies)
    gone = Message.get(patient=first.id, body__contains="has gone")
    assert gone.status == "queued"

    later = now + dt.timedelta(minutes=1)
    replies = handle_inbound(Inbound("sms", first.phone, "1", provider_id="SM2"), later)
    assert any("taken" in reply.text for reply in replies), replies
    assert not Appointment.select().where(Appointment.patient == first.id).exists()
    assert WaitlistEntry.get(patient=first.id).status == "waiting"


def test_answering_a_reminder_with_1_confirms_and_stops_the_auto_cancel(clinic):
    doctor, patient = clinic
    start = at(TUESDAY, 12)
    appointment = visit(doctor, patient, start)
    runner.run_all(at(MONDAY, 12))
    deliver_all()
    handle_inbound(
        Inbound("sms", patient.phone, "1", provider_id="SM9"), at(MONDAY, 13)
    )
    assert Appointment.get_by_id(appointment.id).status == "confirmed"
    # The 3-hour reminder of a confirmed visit no longer asks to confirm.
    assert runner.run_all(at(TUESDAY, 9)) == {"reminders_queued": 1}
    latest = Message.select().where(Message.kind == "reminder").order_by(-Message.id)
    assert "1 to confirm" not in latest.first().body
    assert runner.run_all(start - dt.timedelta(minutes=15)) == {}
    assert Appointment.get_by_id(appointment.id).status == "confirmed"


def test_a_failing_job_does_not_stop_the_others(clinic, monkeypatch, caplog):
    doctor, patient = clinic
    visit(doctor, patient, at(TUESDAY, 12))

    def broken(policy, now):
        raise RuntimeError("waitlist broke")

    jobs = tuple((n, broken if n == "waitlist" else j) for n, j in runner.JOBS)
    monkeypatch.setattr(runner, "JOBS", jobs)
    summary = runner.run_all(at(MONDAY, 12))
    assert summary == {"errors": 1, "reminders_queued": 1}
    assert "scheduler job waitlist failed" in caplog.text


def test_offer_expiry_and_rescheduling_through_the_runner(clinic):
    doctor, patient = clinic
    appointment = visit(doctor, patient, at(TUESDAY, 14))
    waiting = make_patient()
    WaitlistEntry.create(patient=waiting, from_day=TUESDAY, to_day=TUESDAY)
    booking.cancel(appointment.id, audit.SYSTEM, "", at(MONDAY, 10))
    assert runner.run_all(at(MONDAY, 10, 1)) == {"offers_made": 1}
    assert runner.run_all(at(MONDAY, 10, 16)) == {"offers_expired": 1}
    assert WaitlistOffer.get(patient=waiting.id).status == "expired"
    assert WaitlistEntry.get(patient=waiting.id).status == "waiting"
