"""Patients hear of changes staff or the API make to their visits (issue 14, part 1)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from core.audit import Actor
from core.clinic import booking
from core.errors import InvalidInput
from core.models import Appointment, AuditLog, Message
from core.policy import load_policy
from tests.factories import make_doctor, make_patient, make_policy

STAFF = Actor("staff", 1)
API = Actor("api", 7)
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)  # Friday
MONDAY_10 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
pytestmark = pytest.mark.postgres


@pytest.fixture
def clinic(database):
    make_policy(clinic_name="Riverside")
    return {
        "doctor": make_doctor(name="Dr. Hart"),
        "patient": make_patient(name="Ana Ruiz", consent_at=NOW.replace(tzinfo=None)),
        "policy": load_policy(),
    }


def book(clinic, start=MONDAY_10, now=NOW, **kw):
    return booking.book(
        **{
            "patient_id": clinic["patient"].id,
            "doctor_id": clinic["doctor"].id,
            "start": start,
            "policy": clinic["policy"],
            "now": now,
            "actor": STAFF,
            **kw,
        }
    )


def notices(appointment_id: int) -> list[Message]:
    return list(
        Message.select()
        .where(Message.appointment == appointment_id, Message.direction == "out")
        .order_by(Message.id)
    )


def test_a_booking_by_staff_is_texted_to_the_patient(clinic):
    visit = book(clinic)
    (text,) = notices(visit.id)
    assert text.channel == "sms" and text.address == clinic["patient"].phone
    assert text.status == "queued" and text.kind == "notice"
    assert "we booked you a visit with Dr. Hart on Mon 23 Nov" in text.body
    assert not text.urgent  # three days ahead: it waits out quiet hours


def test_a_move_says_the_new_and_the_old_time(clinic):
    visit = book(clinic)
    booking.reschedule(
        visit.id,
        MONDAY_10 + dt.timedelta(hours=4),
        policy=clinic["policy"],
        now=NOW,
        actor=API,
    )
    moved = notices(visit.id)[-1]
    assert "moved to Mon 23 Nov, 14:00" in moved.body
    assert "it was Mon 23 Nov, 10:00" in moved.body


def test_a_same_day_cancellation_is_urgent_and_in_the_patients_language(clinic):
    clinic["patient"].language = "es"
    clinic["patient"].save()
    monday_8 = MONDAY_10.replace(hour=8)
    visit = book(clinic, now=NOW)
    booking.cancel(visit.id, STAFF, "doctor is ill", monday_8)
    cancelled = notices(visit.id)[-1]
    assert cancelled.urgent, "today's visit: the patient may be on the way"
    assert "tuvimos que cancelar su cita con Dr. Hart" in cancelled.body
    assert "doctor is ill" not in cancelled.body  # staff's reason stays inside


def test_the_patients_own_changes_are_not_texted_again(clinic):
    patient = Actor("patient", clinic["patient"].id)
    visit = book(clinic, actor=patient)
    booking.cancel(visit.id, patient, "by sms", NOW)
    assert notices(visit.id) == []


def test_not_telling_needs_a_reason_and_changes_nothing_without_one(clinic):
    visit = book(clinic)
    before = Message.select().count(), AuditLog.select().count()
    with pytest.raises(InvalidInput) as refused:
        booking.cancel(visit.id, STAFF, "moved away", NOW, tell=False)
    assert refused.value.field == "untold_reason"
    assert Appointment.get_by_id(visit.id).status == "scheduled"
    assert (Message.select().count(), AuditLog.select().count()) == before


def test_not_telling_keeps_the_reason_in_the_audit_log(clinic):
    visit = book(clinic, tell=False, untold_reason="  booked  at the desk ")
    assert notices(visit.id) == []
    (row,) = AuditLog.select().where(AuditLog.appointment == visit.id)
    assert json.loads(row.detail)["not_told"] == "booked at the desk"


def test_a_patient_who_chose_email_gets_the_email_only(clinic):
    patient = clinic["patient"]
    patient.email, patient.preferred_channel = "ana@example.org", "email"
    patient.save()
    visit = book(clinic)
    (email,) = notices(visit.id)
    assert email.channel == "email"


def test_an_unreachable_patient_is_recorded_as_not_sent(clinic):
    patient = clinic["patient"]
    patient.sms_opt_out = True
    patient.save()
    visit = book(clinic)
    (text,) = notices(visit.id)
    assert text.status == "not_sent"  # staff see on the visit page it did not go
