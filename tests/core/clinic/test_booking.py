"""Booking operations on a real database, SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from core.audit import SYSTEM, Actor
from core.clinic import booking
from core.errors import InvalidTransition, NotFound, SlotTaken, SlotUnavailable
from core.models import Appointment, AuditLog, SlotClaim
from core.policy import load_policy
from core.storage.db import db
from tests.factories import make_doctor, make_patient, make_policy, make_visit_type

STAFF = Actor("staff", 1)
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)  # Friday
MONDAY_10 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def clinic(database):
    make_policy()
    return {"doctor": make_doctor(), "patient": make_patient(), "policy": load_policy()}


def book(clinic, start=MONDAY_10, **kw):
    args = {
        "patient_id": clinic["patient"].id,
        "doctor_id": clinic["doctor"].id,
        "start": start,
        "policy": clinic["policy"],
        "now": NOW,
        "actor": STAFF,
    }
    return booking.book(**{**args, **kw})


def test_book_writes_appointment_claims_and_audit(clinic):
    appointment = book(clinic)
    assert appointment.status == "scheduled"
    assert (
        SlotClaim.select().where(SlotClaim.appointment == appointment.id).count() == 6
    )
    (audit,) = AuditLog.select().where(AuditLog.appointment == appointment.id)
    assert audit.action == "book" and audit.actor == "staff:1"


def test_overlapping_booking_is_refused(clinic):
    book(clinic)
    other = make_patient()
    with pytest.raises(SlotTaken):
        book(clinic, patient_id=other.id)
    assert Appointment.select().count() == 1
    assert AuditLog.select().count() == 1


def test_a_longer_visit_overlapping_later_one_is_refused(clinic):
    long_visit = make_visit_type(name="New patient", minutes=60)
    doctor = make_doctor(visit_types=[long_visit])
    book(clinic, doctor_id=doctor.id, start=MONDAY_10 + dt.timedelta(minutes=30))
    with pytest.raises(SlotTaken):
        book(clinic, doctor_id=doctor.id, visit_type_id=long_visit.id)
    book(clinic, doctor_id=doctor.id, start=MONDAY_10 + dt.timedelta(minutes=90))


@pytest.mark.parametrize(
    "start,message",
    [
        (NOW - dt.timedelta(hours=1), "past"),
        (NOW + dt.timedelta(minutes=30), "too soon"),
        (dt.datetime(2026, 11, 23, 7, 0, tzinfo=dt.UTC), "not seeing patients"),
        (dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC), "not seeing patients"),
        (dt.datetime(2026, 11, 23, 10, 10, tzinfo=dt.UTC), "not seeing patients"),
        (dt.datetime(2027, 3, 1, 10, 0, tzinfo=dt.UTC), "too far ahead"),
    ],
)
def test_unbookable_times_are_refused_with_a_reason(clinic, start, message):
    with pytest.raises(SlotUnavailable, match=message):
        book(clinic, start=start)
    assert Appointment.select().count() == 0


def test_unknown_doctor_patient_and_visit_type(clinic):
    with pytest.raises(NotFound):
        book(clinic, doctor_id=9999)
    with pytest.raises(NotFound):
        book(clinic, patient_id=9999)
    with pytest.raises(SlotUnavailable, match="does not offer"):
        book(clinic, visit_type_id=make_visit_type().id)


def test_status_transitions(clinic):
    appointment = book(clinic)
    assert booking.confirm(appointment.id, STAFF, NOW).status == "confirmed"
    assert booking.confirm(appointment.id, STAFF, NOW).status == "confirmed"
    cancelled = booking.cancel(
        appointment.id, Actor("patient", 1), "can't make it", NOW
    )
    assert (cancelled.status, cancelled.cancelled_by) == ("cancelled", "patient")
    assert SlotClaim.select().count() == 0
    with pytest.raises(InvalidTransition, match="already cancelled"):
        booking.confirm(appointment.id, STAFF, NOW)
    with pytest.raises(InvalidTransition):
        booking.cancel(appointment.id, STAFF, "again", NOW)
    book(clinic)  # the freed time can be booked again
    actions = [a.action for a in AuditLog.select().order_by(AuditLog.id)]
    assert actions == ["book", "confirm", "cancel", "book"]


def test_complete_and_no_show_only_after_start(clinic):
    first = book(clinic)
    second = book(clinic, start=MONDAY_10 + dt.timedelta(hours=1))
    with pytest.raises(InvalidTransition, match="not started"):
        booking.complete(first.id, STAFF, NOW)
    later = MONDAY_10 + dt.timedelta(hours=3)
    assert booking.complete(first.id, STAFF, later).status == "completed"
    assert booking.mark_no_show(second.id, SYSTEM, later).status == "no_show"
    with pytest.raises(InvalidTransition):
        booking.mark_no_show(first.id, SYSTEM, later)


def test_reschedule_moves_claims_and_keeps_old_time_when_new_is_taken(clinic):
    moving = book(clinic)
    blocker = book(
        clinic, start=MONDAY_10 + dt.timedelta(hours=2), patient_id=make_patient().id
    )
    with pytest.raises(SlotTaken):
        booking.reschedule(
            moving.id,
            MONDAY_10 + dt.timedelta(hours=2),
            policy=clinic["policy"],
            now=NOW,
            actor=STAFF,
        )
    unchanged = Appointment.get_by_id(moving.id)
    assert unchanged.start == MONDAY_10.replace(tzinfo=None)
    assert SlotClaim.select().where(SlotClaim.appointment == moving.id).count() == 6
    # Overlapping its own old time is fine: units it already holds are kept.
    moved = booking.reschedule(
        moving.id,
        MONDAY_10 + dt.timedelta(minutes=15 + 15),
        policy=clinic["policy"],
        now=NOW,
        actor=STAFF,
    )
    assert moved.start == (MONDAY_10 + dt.timedelta(minutes=30)).replace(tzinfo=None)
    units = sorted(
        c.unit for c in SlotClaim.select().where(SlotClaim.appointment == moving.id)
    )
    assert units[0] == moved.start and len(units) == 6
    book(clinic, patient_id=make_patient().id)  # 10:00 is free again
    assert blocker.status == "scheduled"


def test_reschedule_resets_confirmation(clinic):
    appointment = book(clinic)
    booking.confirm(appointment.id, STAFF, NOW)
    moved = booking.reschedule(
        appointment.id,
        MONDAY_10 + dt.timedelta(days=1),
        policy=clinic["policy"],
        now=NOW,
        actor=STAFF,
    )
    assert (moved.status, moved.confirmed_at) == ("scheduled", None)


def test_buffer_is_enforced_by_the_database(database):
    make_policy(buffer_minutes=10)
    clinic = {
        "doctor": make_doctor(),
        "patient": make_patient(),
        "policy": load_policy(),
    }
    book(clinic)
    with pytest.raises((SlotTaken, SlotUnavailable)):
        book(
            clinic,
            start=MONDAY_10 + dt.timedelta(minutes=30),
            patient_id=make_patient().id,
        )


def test_twenty_threads_racing_for_overlapping_times(clinic):
    """Exactly one of 20 concurrent overlapping bookings commits."""
    long_visit = make_visit_type(name="Long", minutes=60)
    doctor = make_doctor(visit_types=[long_visit])
    patients = [make_patient().id for _ in range(20)]
    url = db.obj.database
    starts = [MONDAY_10 + dt.timedelta(minutes=30 * (i % 2)) for i in range(20)]
    barrier = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(i: int) -> None:
        barrier.wait()
        try:
            book(clinic, doctor_id=doctor.id, patient_id=patients[i], start=starts[i])
            result = "booked"
        except SlotTaken:
            result = "taken"
        except Exception as exc:  # anything else is a failure of the guarantee
            result = f"error: {exc!r}"
        finally:
            db.close()  # each thread had its own connection
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert url
    assert sorted(outcomes) == ["booked"] + ["taken"] * 19
    live = Appointment.select().where(Appointment.doctor == doctor.id).count()
    assert live == 1


@pytest.mark.parametrize(
    "act,message",
    [
        (lambda a: booking.complete(a, STAFF, MONDAY_10), "cannot be marked completed"),
        (lambda a: booking.mark_no_show(a, STAFF, MONDAY_10), "marked as a no-show"),
        (lambda a: booking.set_needs_confirmation(a, False, STAFF, NOW), "changed"),
    ],
)
def test_refusals_read_as_english(clinic, act, message):
    appointment = book(clinic)
    booking.cancel(appointment.id, STAFF, "", NOW)
    with pytest.raises(InvalidTransition, match=message):
        act(appointment.id)


def test_audit_rows_carry_the_operation_time_not_the_wall_clock(clinic):
    appointment = book(clinic)
    booking.confirm(appointment.id, STAFF, NOW + dt.timedelta(minutes=5))
    times = [a.at for a in AuditLog.select().order_by(AuditLog.id)]
    assert times == [
        NOW.replace(tzinfo=None),
        (NOW + dt.timedelta(minutes=5)).replace(tzinfo=None),
    ]


def test_running_late_is_kept_on_the_visit_with_its_audit_row(clinic):
    appointment = book(clinic)
    told = MONDAY_10 - dt.timedelta(minutes=5)
    patient = Actor("patient", clinic["patient"].id)
    booking.note_running_late(appointment.id, "  Stuck in\ntraffic ", told, patient)
    visit = Appointment.get_by_id(appointment.id)
    assert (visit.late_at, visit.late_note, visit.status) == (
        told.replace(tzinfo=None),
        "Stuck in traffic",
        "scheduled",
    )
    audit = AuditLog.get(AuditLog.action == "appointment.running_late")
    assert (audit.actor, audit.appointment_id, audit.patient_id) == (
        f"patient:{clinic['patient'].id}",
        appointment.id,
        clinic["patient"].id,
    )
    assert '"note": "Stuck in traffic"' in audit.detail
    booking.note_running_late(appointment.id, "x" * 300, told, patient)
    assert len(Appointment.get_by_id(appointment.id).late_note) == 200


def test_running_late_is_refused_for_a_cancelled_visit(clinic):
    appointment = book(clinic)
    booking.cancel(appointment.id, STAFF, "ill", NOW)
    with pytest.raises(InvalidTransition, match="already cancelled") as refused:
        booking.note_running_late(appointment.id, "10 min", MONDAY_10, SYSTEM)
    assert refused.value.status == "cancelled"
    assert Appointment.get_by_id(appointment.id).late_at is None
    assert (
        not AuditLog.select()
        .where(AuditLog.action == "appointment.running_late")
        .exists()
    )
    with pytest.raises(NotFound):
        booking.note_running_late(99999, "", MONDAY_10, SYSTEM)


def test_moving_a_visit_forgets_that_it_was_running_late(clinic):
    appointment = book(clinic)
    booking.note_running_late(appointment.id, "10 min", NOW, STAFF)
    booking.reschedule(
        appointment.id,
        MONDAY_10 + dt.timedelta(hours=2),
        policy=clinic["policy"],
        now=NOW,
        actor=STAFF,
    )
    visit = Appointment.get_by_id(appointment.id)
    assert (visit.late_at, visit.late_note) == (None, None)
