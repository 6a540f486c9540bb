"""Reminders: once each, for the current time of live visits only, never at night."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from core import audit
from core.clinic import booking
from core.clock import from_db, to_db
from core.jobs.reminders import run_reminders
from core.models import Appointment, AuditLog, Conversation, Message, ReminderClaim
from core.policy import load_policy
from tests.core.jobs.conftest import MONDAY, at, run_in_threads, visit
from tests.factories import make_doctor, make_patient, make_policy

TUESDAY = MONDAY + dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)


def reminders(appointment=None):
    query = Message.select().where(Message.kind == "reminder")
    if appointment is not None:
        query = query.where(Message.appointment == appointment.id)
    return list(query.order_by(Message.id))


def test_reminder_goes_once_when_its_lead_time_comes(clinic):
    doctor, patient = clinic
    appointment = visit(doctor, patient, at(TUESDAY, 12))
    policy = load_policy()

    run_reminders(policy, at(MONDAY, 11, 59))
    assert reminders() == []

    counts = run_reminders(policy, at(MONDAY, 12))
    run_reminders(policy, at(MONDAY, 12, 1))
    (message,) = reminders()
    assert counts["reminders_queued"] == 1
    assert message.appointment_id == appointment.id
    assert message.channel == "sms" and message.address == patient.phone
    assert "Tue 24 Nov, 12:00" in message.body and "Maria" in message.body
    assert "1 to confirm" in message.body
    assert json.loads(message.choices)[0] == ["Confirm", "1"]

    conversation = Conversation.get(address=patient.phone)
    assert conversation.state == "reminder"
    assert json.loads(conversation.data) == {"appointment_id": appointment.id}

    run_reminders(policy, at(TUESDAY, 8, 59))
    assert len(reminders()) == 1
    run_reminders(policy, at(TUESDAY, 9))
    assert len(reminders()) == 2  # the 3-hour one
    run_reminders(policy, at(TUESDAY, 11, 30))
    assert len(reminders()) == 2


def test_cancelled_visit_gets_no_reminder(clinic):
    doctor, patient = clinic
    appointment = visit(doctor, patient, at(TUESDAY, 10))
    booking.cancel(
        appointment.id, audit.Actor("patient", patient.id), "", at(MONDAY, 8)
    )
    run_reminders(load_policy(), at(MONDAY, 10))
    run_reminders(load_policy(), at(TUESDAY, 7))
    assert reminders() == []


def test_rescheduled_visit_is_reminded_for_its_new_time_only(clinic):
    doctor, patient = clinic
    appointment = visit(doctor, patient, at(TUESDAY, 10))
    policy = load_policy()
    run_reminders(policy, at(MONDAY, 10))
    assert len(reminders()) == 1
    booking.reschedule(
        appointment.id,
        at(TUESDAY, 15),
        policy=policy,
        now=at(MONDAY, 11),
        actor=audit.Actor("patient", patient.id),
    )
    # The old time's 3-hour moment passes: nothing for 10:00.
    run_reminders(policy, at(TUESDAY, 7))
    assert len(reminders()) == 1
    run_reminders(policy, at(TUESDAY, 12))
    new = reminders()[-1]
    assert len(reminders()) == 2 and "15:00" in new.body
    claims = ReminderClaim.select().where(ReminderClaim.appointment == appointment.id)
    starts = {from_db(c.start) for c in claims if c.outcome == "queued"}
    assert starts == {at(TUESDAY, 10), at(TUESDAY, 15)}


def test_catch_up_after_downtime_sends_one_reminder_and_none_for_past_visits(clinic):
    doctor, patient = clinic
    ahead = visit(doctor, patient, at(TUESDAY, 14))
    past = visit(doctor, make_patient(), at(TUESDAY, 9))
    # Down from Monday morning until Tuesday 12:00: both leads of `ahead` passed.
    counts = run_reminders(load_policy(), at(TUESDAY, 12))
    (message,) = reminders()
    assert message.appointment_id == ahead.id
    assert counts["reminders_queued"] == 1
    outcomes = {
        c.kind: c.outcome
        for c in ReminderClaim.select().where(ReminderClaim.appointment == ahead.id)
    }
    assert outcomes == {"lead:180": "queued", "lead:1440": "superseded"}
    assert reminders(past) == []
    run_reminders(load_policy(), at(TUESDAY, 12, 1))
    assert len(reminders()) == 1


def test_reminder_due_at_night_goes_the_evening_before(clinic):
    doctor, patient = clinic
    make_policy(reminder_leads="180")
    appointment = visit(doctor, patient, at(TUESDAY, 9))  # 3 h before = 06:00
    policy = load_policy()
    run_reminders(policy, at(MONDAY, 20, 58))
    assert reminders() == []
    run_reminders(policy, at(MONDAY, 20, 59))
    (message,) = reminders()
    assert message.appointment_id == appointment.id
    run_reminders(policy, at(TUESDAY, 6))
    assert len(reminders()) == 1


def test_reminder_whose_evening_minute_was_missed_is_skipped_with_a_record(clinic):
    doctor, patient = clinic
    make_policy(reminder_leads="180")
    appointment = visit(doctor, patient, at(TUESDAY, 9))
    policy = load_policy()
    # The scheduler was down over 20:59; it comes back at 3 a.m. and at 06:00.
    for now in (at(TUESDAY, 3), at(TUESDAY, 6), at(TUESDAY, 8, 30)):
        run_reminders(policy, now)
    assert reminders() == []
    claim = ReminderClaim.get(appointment=appointment.id)
    assert claim.outcome == "skipped_quiet"
    assert AuditLog.get(action="reminder skipped").appointment_id == appointment.id


def test_late_booking_inside_quiet_hours_is_not_texted_at_night(clinic):
    doctor, patient = clinic
    policy = load_policy()
    appointment = visit(doctor, patient, at(TUESDAY, 10))
    Appointment = type(appointment)
    Appointment.update(created_at=to_db(at(MONDAY, 23))).where(
        Appointment.id == appointment.id
    ).execute()
    run_reminders(policy, at(MONDAY, 23))
    run_reminders(policy, at(TUESDAY, 3))
    assert reminders() == []


def test_unreachable_patient_gets_a_not_sent_record(clinic):
    doctor, _ = clinic
    patient = make_patient(sms_opt_out=True)
    visit(doctor, patient, at(TUESDAY, 10))
    counts = run_reminders(load_policy(), at(MONDAY, 10))
    (message,) = reminders()
    assert message.status == "not_sent" and counts["reminders_not_sent"] == 1
    assert not Conversation.select().where(Conversation.patient == patient.id).exists()


def test_confirmed_visit_gets_a_plain_reminder_in_spanish(clinic):
    doctor, _ = clinic
    patient = make_patient(name="José García", language="es")
    appointment = visit(doctor, patient, at(TUESDAY, 10))
    booking.confirm(appointment.id, audit.SYSTEM, at(MONDAY, 8))
    run_reminders(load_policy(), at(MONDAY, 10))
    (message,) = reminders()
    assert "mar 24 nov, 10:00" in message.body
    assert "confirmar" not in message.body
    assert json.loads(message.choices) == [
        ["Anular la cita", "2"],
        ["Cambiar la hora", "3"],
    ]


@pytest.mark.parametrize(
    ("zone", "monday"),
    [
        ("America/New_York", dt.date(2027, 3, 15)),  # clocks went forward Sunday
        ("Europe/Madrid", dt.date(2027, 3, 29)),
        ("America/New_York", dt.date(2026, 11, 2)),  # clocks went back Sunday
        ("Europe/Madrid", dt.date(2026, 10, 26)),
    ],
)
def test_dst_weekend_neither_shifts_nor_repeats_reminders(database, zone, monday):
    make_policy(timezone=zone, reminder_leads="1440,180")
    doctor, patient = make_doctor(), make_patient()
    start = at(monday, 9, 0, zone)
    visit(doctor, patient, start)
    policy = load_policy()
    # Tick every 10 minutes through the DST weekend, Saturday noon to Monday 9.
    now = at(monday - dt.timedelta(days=2), 12, 0, zone)
    sent_at = []
    while now < start:
        if run_reminders(policy, now)["reminders_queued"]:
            sent_at.append(now)
        # The scheduler ticks each minute; every 10 suffices except near 21:00.
        evening = dt.time(20, 50) <= now.astimezone(policy.tz).time() < dt.time(21)
        now += dt.timedelta(minutes=1 if evening else 10)
    # 24 h of real time before; the 3 h one falls at 06:00 local, inside quiet
    # hours, so it goes at 20:59 local the evening before.
    assert len(sent_at) == 2
    assert sent_at[0] == start - dt.timedelta(hours=24)
    assert sent_at[1] == at(monday - dt.timedelta(days=1), 20, 59, zone)
    for message in reminders():
        assert "09:00" in message.body


def test_two_schedulers_at_once_send_every_reminder_exactly_once(database):
    make_policy(timezone="UTC")
    doctors = [make_doctor() for _ in range(3)]
    count = 0
    for doctor in doctors:
        for hour in range(9, 17):
            visit(doctor, make_patient(), at(TUESDAY, hour))
            count += 1
    policy = load_policy()

    def tick():
        return run_reminders(policy, at(TUESDAY, 8))

    results = run_in_threads(tick)
    assert Message.select().where(Message.kind == "reminder").count() == count
    assert sum(r["reminders_queued"] for r in results) == count
    per_appointment = (
        ReminderClaim.select(ReminderClaim.appointment)
        .where(ReminderClaim.outcome == "queued")
        .distinct()
        .count()
    )
    assert per_appointment == count


def test_visit_booked_and_confirmed_inside_a_lead_skips_that_reminder(clinic):
    doctor, patient = clinic
    appointment = visit(doctor, patient, at(TUESDAY, 12))
    booking.confirm(appointment.id, audit.SYSTEM, at(MONDAY, 15))
    type(appointment).update(created_at=to_db(at(MONDAY, 15))).where(
        type(appointment).id == appointment.id
    ).execute()
    policy = load_policy()
    run_reminders(policy, at(MONDAY, 15, 1))  # the 24 h moment (Mon 12:00) passed
    assert reminders() == []
    assert ReminderClaim.get(kind="lead:1440").outcome == "booked_late"
    run_reminders(policy, at(TUESDAY, 9))
    assert len(reminders()) == 1  # the 3 h one still comes


def test_a_staff_flag_survives_the_reminder_context(clinic):
    doctor, patient = clinic
    Conversation.create(
        channel="sms",
        address=patient.phone,
        patient=patient,
        state="pick_day",
        flagged=True,
        flag_reason="asked for a call back",
        # Left mid-flow the day before, so the reminder may take it over.
        updated_at=to_db(at(MONDAY, 12) - dt.timedelta(days=1)),
    )
    visit(doctor, patient, at(TUESDAY, 12))
    run_reminders(load_policy(), at(MONDAY, 12))
    conversation = Conversation.get(address=patient.phone)
    assert conversation.state == "reminder"
    assert conversation.flagged and conversation.flag_reason == "asked for a call back"


def test_a_lead_added_to_policy_later_does_not_repeat_a_nearer_reminder(clinic):
    doctor, patient = clinic
    visit(doctor, patient, at(TUESDAY, 12))
    run_reminders(load_policy(), at(MONDAY, 12))
    assert len(reminders()) == 1
    make_policy(reminder_leads="2880,1440,180")
    counts = run_reminders(load_policy(), at(MONDAY, 12, 1))
    assert counts == {"reminders_superseded": 1}
    assert len(reminders()) == 1
    assert ReminderClaim.get(kind="lead:2880").outcome == "superseded"


def test_a_patient_mid_flow_keeps_their_place_when_a_reminder_goes(clinic):
    """Their next "1" must answer the question they are looking at."""
    doctor, patient = clinic
    now = at(MONDAY, 12)
    Conversation.create(
        channel="sms",
        address=patient.phone,
        patient=patient,
        state="pick_time",
        data='{"doctor_id": 1}',
        updated_at=to_db(now - dt.timedelta(minutes=2)),
    )
    visit(doctor, patient, at(TUESDAY, 12))
    run_reminders(load_policy(), now)
    assert len(reminders()) == 1  # the text still goes
    conversation = Conversation.get(address=patient.phone)
    assert (conversation.state, conversation.data) == ("pick_time", '{"doctor_id": 1}')


def test_two_visits_reminded_ask_which_one_before_confirming(clinic):
    """A "1" must never confirm the other visit and leave this one to lapse."""
    from core.dialog.service import handle_inbound
    from core.messaging.inbound import Inbound

    doctor, patient = clinic
    first = visit(doctor, patient, at(TUESDAY, 12))
    run_reminders(load_policy(), at(MONDAY, 12))
    second = visit(doctor, patient, at(TUESDAY, 12, 30))
    run_reminders(load_policy(), at(MONDAY, 12, 30))
    assert len(reminders()) == 2
    conversation = Conversation.get(address=patient.phone)
    assert json.loads(conversation.data) == {"appointment_ids": [first.id, second.id]}

    def send(text: str, n: int) -> str:
        replies = handle_inbound(
            Inbound("sms", patient.phone, text, provider_id=f"SM{n}"),
            at(MONDAY, 13),
        )
        return "\n".join(
            [r.text for r in replies] + [c[0] for r in replies for c in r.choices]
        )

    listing = send("1", 1)
    assert "Tue 24 Nov, 12:00" in listing and "Tue 24 Nov, 12:30" in listing
    assert Appointment.get_by_id(first.id).status == "scheduled"
    send("1", 2)  # the 12:00 visit
    send("1", 3)  # confirm it
    assert Appointment.get_by_id(first.id).status == "confirmed"
    assert Appointment.get_by_id(second.id).status == "scheduled"
