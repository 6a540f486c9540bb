"""Hours, time off, closures: validated; booked visits are reported, not moved."""

from __future__ import annotations

import datetime as dt

import pytest

from core import audit
from core.clinic import booking
from core.errors import InvalidInput, SlotUnavailable
from core.models import Appointment, WorkingHours
from core.policy import load_policy
from core.staff.doctors import save_department, save_doctor
from core.staff.hours import (
    add_closure,
    add_time_off,
    parse_intervals,
    set_weekly_hours,
    weekly_hours,
)
from tests.factories import make_doctor, make_patient, make_policy

T = dt.time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00-12:30, 13:30-17:00", [(T(9), T(12, 30)), (T(13, 30), T(17))]),
        ("13:30-17:00;09:00-12:30", [(T(9), T(12, 30)), (T(13, 30), T(17))]),
        ("", []),
    ],
)
def test_parse_intervals(text, expected):
    assert parse_intervals(text) == expected


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("12:00-09:00", "end must be after"),
        ("09:00-09:00", "end must be after"),
        ("09:00-13:00, 12:00-17:00", "overlap"),
        ("nine to five", "not a time range"),
        ("25:00-26:00", "not a time range"),
    ],
)
def test_bad_intervals_explain_themselves(text, why):
    with pytest.raises(InvalidInput, match=why):
        parse_intervals(text)


def _visit(doctor, now, start):
    return booking.book(
        patient_id=make_patient().id,
        doctor_id=doctor.id,
        start=start,
        policy=load_policy(),
        now=now,
        actor=audit.Actor("staff", 1),
    )


def test_new_hours_keep_booked_visits_and_list_them(database, now):
    make_policy(min_notice_minutes=0)
    doctor = make_doctor()
    tuesday_ten = dt.datetime(2026, 11, 24, 10, tzinfo=dt.UTC)
    visit = _visit(doctor, now, tuesday_ten)
    mornings = {day: [(T(8), T(9, 30))] for day in range(5)}
    affected = set_weekly_hours(doctor.id, mornings, load_policy(), now)
    assert [a.id for a in affected] == [visit.id]
    assert Appointment.get_by_id(visit.id).status == "scheduled"
    assert weekly_hours(doctor.id)[1] == [(T(8), T(9, 30))]
    assert set_weekly_hours(doctor.id, {1: [(T(9), T(12))]}, load_policy(), now) == []


def test_overlapping_hours_change_nothing(database, now):
    doctor = make_doctor()
    before = WorkingHours.select().where(WorkingHours.doctor == doctor.id).count()
    with pytest.raises(InvalidInput, match="Tuesday: .*overlap"):
        set_weekly_hours(
            doctor.id, {1: [(T(9), T(12)), (T(11), T(13))]}, load_policy(), now
        )
    assert (
        WorkingHours.select().where(WorkingHours.doctor == doctor.id).count() == before
    )


def test_time_off_over_a_visit_reports_it_and_blocks_new_slots(database, now):
    make_policy(min_notice_minutes=0)
    doctor = make_doctor()
    start = dt.datetime(2026, 11, 24, 10, tzinfo=dt.UTC)
    visit = _visit(doctor, now, start)
    affected = add_time_off(
        doctor.id, start, start + dt.timedelta(hours=3), "", load_policy()
    )
    assert [a.id for a in affected] == [visit.id]
    with pytest.raises(SlotUnavailable):
        _visit(doctor, now, start + dt.timedelta(hours=1))
    with pytest.raises(InvalidInput, match="end after"):
        add_time_off(doctor.id, start, start, "", load_policy())


def test_closure_lists_that_days_visits_and_refuses_duplicates(database, now):
    make_policy(min_notice_minutes=0)
    doctor = make_doctor()
    visit = _visit(doctor, now, dt.datetime(2026, 11, 24, 10, tzinfo=dt.UTC))
    affected = add_closure(dt.date(2026, 11, 24), "Holiday", load_policy())
    assert [a.id for a in affected] == [visit.id]
    with pytest.raises(InvalidInput, match="already"):
        add_closure(dt.date(2026, 11, 24), "Again", load_policy())


def test_department_names_are_unique_and_doctor_needs_one(database):
    department = save_department("Cardiology")
    with pytest.raises(InvalidInput, match="already"):
        save_department(" Cardiology ")
    with pytest.raises(InvalidInput, match="department"):
        save_doctor("Dr. X", 9999)
    assert save_doctor("Dr. X", department.id).department_id == department.id
