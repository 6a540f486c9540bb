"""Slot rules over the database: hours, time off, closures and bookings."""

from __future__ import annotations

import datetime as dt

from core.audit import Actor
from core.clinic import booking
from core.clinic.calendar import active_doctor_ids, free_slots_for_doctor, next_slots
from core.clock import to_db
from core.models import Closure, TimeOff
from core.policy import load_policy
from tests.factories import make_department, make_doctor, make_patient, make_policy

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
MONDAY = dt.date(2026, 11, 23)
HALF_HOUR = dt.timedelta(minutes=30)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)


def test_doctor_day_respects_bookings_time_off_and_closures(database):
    make_policy()
    doctor, patient = make_doctor(), make_patient()
    policy = load_policy()
    booking.book(
        patient_id=patient.id,
        doctor_id=doctor.id,
        start=at(MONDAY, 9),
        policy=policy,
        now=NOW,
        actor=Actor("staff", 1),
    )
    TimeOff.create(
        doctor=doctor, start=to_db(at(MONDAY, 13)), end=to_db(at(MONDAY, 17))
    )
    slots = free_slots_for_doctor(doctor.id, MONDAY, policy, NOW, HALF_HOUR)
    assert slots[0] == at(MONDAY, 9, 30) and slots[-1] == at(MONDAY, 12, 30)
    assert len(slots) == 7
    Closure.create(day=MONDAY, name="Holiday")
    assert free_slots_for_doctor(doctor.id, MONDAY, policy, NOW, HALF_HOUR) == []


def test_next_slots_across_a_department_skip_closed_days(database):
    make_policy()
    department = make_department()
    first, second = (
        make_doctor(department=department),
        make_doctor(department=department),
    )
    make_doctor(department=department, active=False)
    make_doctor()  # another department
    Closure.create(day=MONDAY, name="Holiday")
    doctor_ids = active_doctor_ids(department.id)
    assert doctor_ids == [first.id, second.id]
    policy = load_policy()
    found = next_slots(doctor_ids, policy, NOW, 3, HALF_HOUR, from_day=MONDAY)
    tuesday = MONDAY + dt.timedelta(days=1)
    assert found == [
        (at(tuesday, 9), first.id),
        (at(tuesday, 9), second.id),
        (at(tuesday, 9, 30), first.id),
    ]


def test_next_slots_looks_beyond_the_first_window(database):
    make_policy(horizon_days=90)
    doctor = make_doctor(hours={3: [(dt.time(9), dt.time(10))]})  # Thursdays only
    TimeOff.create(
        doctor=doctor, start=to_db(at(MONDAY, 0)), end=to_db(at(dt.date(2027, 1, 1), 0))
    )
    found = next_slots([doctor.id], load_policy(), NOW, 2, HALF_HOUR, from_day=MONDAY)
    assert [start for start, _ in found] == [
        at(dt.date(2027, 1, 7), 9),
        at(dt.date(2027, 1, 7), 9, 30),
    ]
