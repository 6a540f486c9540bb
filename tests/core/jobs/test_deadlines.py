"""Confirmation deadline: cancel only when the patient was really asked."""

from __future__ import annotations

import datetime as dt

from core import audit
from core.clinic import booking
from core.errors import InvalidTransition
from core.jobs.deadlines import enforce_deadline, find_unconfirmed, run_deadlines
from core.jobs.reminders import run_reminders
from core.models import Appointment, AuditLog, Conversation, Message, SlotClaim
from core.policy import load_policy
from tests.core.jobs.conftest import (
    MONDAY,
    at,
    deliver_all,
    run_in_threads,
    visit,
)
from tests.factories import make_doctor, make_patient, make_policy

START = at(MONDAY + dt.timedelta(days=1), 12)
DEADLINE = START - dt.timedelta(minutes=15)


def reminded(doctor, patient, delivered=True, **fields) -> Appointment:
    """A visit whose 3-hour reminder went out (and was delivered)."""
    appointment = visit(doctor, patient, START, **fields)
    run_reminders(load_policy(), START - dt.timedelta(hours=3))
    if delivered:
        deliver_all()
    return appointment


def test_unconfirmed_visit_is_cancelled_at_the_deadline_and_the_patient_told(clinic):
    doctor, patient = clinic
    appointment = reminded(doctor, patient)
    policy = load_policy()
    assert run_deadlines(policy, DEADLINE - dt.timedelta(minutes=1)) == {}
    counts = run_deadlines(policy, DEADLINE)
    assert counts["deadline_auto_cancelled"] == 1
    appointment = Appointment.get_by_id(appointment.id)
    assert appointment.status == "cancelled"
    assert appointment.cancel_reason == "auto_unconfirmed"
    assert appointment.cancelled_by == "system"
    assert (
        not SlotClaim.select().where(SlotClaim.appointment == appointment.id).exists()
    )
    notice = Message.get(kind="notice", appointment=appointment.id)
    assert "not confirmed in time" in notice.body and notice.urgent
    assert run_deadlines(policy, DEADLINE + dt.timedelta(minutes=1)) == {}
    assert Message.select().where(Message.kind == "notice").count() == 1


def test_no_delivered_reminder_means_a_flag_not_a_cancellation(clinic):
    doctor, patient = clinic
    appointment = reminded(doctor, patient, delivered=False)  # still queued
    counts = run_deadlines(load_policy(), DEADLINE)
    assert counts == {"deadline_flagged": 1}
    assert Appointment.get_by_id(appointment.id).status == "scheduled"
    conversation = Conversation.get(address=patient.phone)
    assert conversation.flagged and "no reminder" in conversation.flag_reason
    assert AuditLog.get(action="flag").appointment_id == appointment.id


def test_opted_out_patient_is_flagged_not_cancelled(clinic):
    doctor, _ = clinic
    patient = make_patient(sms_opt_out=True)
    appointment = reminded(doctor, patient)
    assert run_deadlines(load_policy(), DEADLINE) == {"deadline_flagged": 1}
    assert Appointment.get_by_id(appointment.id).status == "scheduled"
    conversation = Conversation.get(address=patient.phone)
    assert conversation.flagged and "opted out" in conversation.flag_reason


def test_a_reminder_for_the_old_time_does_not_count_after_a_reschedule(clinic):
    doctor, patient = clinic
    appointment = reminded(doctor, patient)
    new_start = START + dt.timedelta(hours=2)
    booking.reschedule(
        appointment.id,
        new_start,
        policy=load_policy(),
        now=START - dt.timedelta(hours=2, minutes=30),
        actor=audit.SYSTEM,
    )
    # The new time's 3-hour moment has passed at the reschedule; skip the
    # scheduler's ticks so no reminder for it goes out.
    counts = run_deadlines(load_policy(), new_start - dt.timedelta(minutes=15))
    assert counts == {"deadline_flagged": 1}


def test_no_confirmation_needed_and_confirmed_visits_are_left_alone(clinic):
    doctor, patient = clinic
    relaxed = reminded(doctor, patient, needs_confirmation=False)
    assert run_deadlines(load_policy(), DEADLINE) == {}
    assert Appointment.get_by_id(relaxed.id).status == "scheduled"
    assert not Conversation.select().where(Conversation.flagged == True).exists()  # noqa: E712


def test_policy_can_turn_auto_cancel_off(clinic):
    doctor, patient = clinic
    make_policy(auto_cancel_unconfirmed=False)
    appointment = reminded(doctor, patient)
    assert run_deadlines(load_policy(), DEADLINE) == {"deadline_kept_by_policy": 1}
    assert Appointment.get_by_id(appointment.id).status == "scheduled"


def test_a_visit_confirmed_a_moment_earlier_is_never_cancelled(clinic):
    doctor, patient = clinic
    appointment = reminded(doctor, patient)
    policy = load_policy()
    # The scheduler found the visit unconfirmed, then the patient's "1" landed.
    assert find_unconfirmed(policy, DEADLINE) == [appointment.id]
    booking.confirm(appointment.id, audit.Actor("patient", patient.id), DEADLINE)
    assert enforce_deadline(appointment.id, policy, DEADLINE) == "changed"
    assert Appointment.get_by_id(appointment.id).status == "confirmed"
    assert not Message.select().where(Message.kind == "notice").exists()


def test_confirmations_racing_the_deadline_are_never_overruled(clinic):
    doctor, patient = clinic
    appointments = [visit(doctor, patient, START)]
    appointments += [visit(make_doctor(), make_patient(), START) for _ in range(5)]
    run_reminders(load_policy(), START - dt.timedelta(hours=3))
    deliver_all()
    policy = load_policy()

    def patients_confirm():
        confirmed = []
        for appointment in reversed(appointments):
            try:
                booking.confirm(appointment.id, audit.SYSTEM, DEADLINE)
            except InvalidTransition:
                continue
            confirmed.append(appointment.id)
        return ("confirmed", confirmed)

    results = run_in_threads(
        lambda: ("scheduler", run_deadlines(policy, DEADLINE)), 1, patients_confirm
    )
    confirmed = dict(results)["confirmed"]
    for appointment in appointments:
        final = Appointment.get_by_id(appointment.id).status
        # Whoever committed first won; a confirmation that succeeded stands.
        assert final == ("confirmed" if appointment.id in confirmed else "cancelled")
    notices = Message.select().where(Message.kind == "notice").count()
    assert notices == len(appointments) - len(confirmed)


def test_two_schedulers_cancel_once_and_tell_each_patient_once(clinic):
    doctor, patient = clinic
    appointments = [visit(doctor, patient, START)]
    for _ in range(4):
        appointments.append(visit(make_doctor(), make_patient(), START))
    run_reminders(load_policy(), START - dt.timedelta(hours=3))
    deliver_all()
    policy = load_policy()
    run_in_threads(lambda: run_deadlines(policy, DEADLINE))
    ids = [a.id for a in appointments]
    cancelled = Appointment.select().where(
        Appointment.id.in_(ids), Appointment.status == "cancelled"
    )
    assert cancelled.count() == len(ids)
    assert Message.select().where(Message.kind == "notice").count() == len(ids)
    cancels = AuditLog.select().where(AuditLog.action == "cancel")
    assert cancels.count() == len(ids)


def test_a_plain_reminder_does_not_count_as_asking_to_confirm(clinic):
    """Staff turned confirmation back on after a reminder that did not ask."""
    doctor, patient = clinic
    appointment = reminded(doctor, patient, needs_confirmation=False)
    Appointment.update(needs_confirmation=True).where(
        Appointment.id == appointment.id
    ).execute()
    counts = run_deadlines(load_policy(), DEADLINE)
    assert counts == {"deadline_flagged": 1}
    assert Appointment.get_by_id(appointment.id).status == "scheduled"
