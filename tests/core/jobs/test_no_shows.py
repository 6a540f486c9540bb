"""No-shows: live visits not completed by end + grace."""

from __future__ import annotations

import datetime as dt

from core import audit
from core.clinic import booking
from core.jobs.no_shows import run_no_shows
from core.models import Appointment, AuditLog
from core.policy import load_policy
from tests.core.jobs.conftest import MONDAY, at, run_in_threads, visit
from tests.factories import make_patient


def status(appointment) -> str:
    return Appointment.get_by_id(appointment.id).status


def test_visit_not_completed_by_end_plus_grace_becomes_no_show(clinic):
    doctor, patient = clinic
    appointment = visit(doctor, patient, at(MONDAY, 10))  # ends 10:30
    policy = load_policy()
    assert run_no_shows(policy, at(MONDAY, 10, 44)) == {}
    assert status(appointment) == "scheduled"
    assert run_no_shows(policy, at(MONDAY, 10, 45)) == {"no_shows": 1}
    assert status(appointment) == "no_show"
    assert AuditLog.get(action="mark no-show").actor == "system"
    assert run_no_shows(policy, at(MONDAY, 11)) == {}


def test_completed_cancelled_and_confirmed_visits(clinic):
    doctor, patient = clinic
    done = visit(doctor, patient, at(MONDAY, 9))
    booking.complete(done.id, audit.Actor("staff", 1), at(MONDAY, 9, 20))
    gone = visit(doctor, make_patient(), at(MONDAY, 10))
    booking.cancel(gone.id, audit.SYSTEM, "", at(MONDAY, 8))
    confirmed = visit(doctor, make_patient(), at(MONDAY, 11))
    booking.confirm(confirmed.id, audit.SYSTEM, at(MONDAY, 8))
    assert run_no_shows(load_policy(), at(MONDAY, 12)) == {"no_shows": 1}
    assert [status(a) for a in (done, gone, confirmed)] == [
        "completed",
        "cancelled",
        "no_show",
    ]


def test_visits_older_than_the_look_back_are_left_to_staff(clinic):
    doctor, patient = clinic
    old = visit(doctor, patient, at(MONDAY, 10))
    assert run_no_shows(load_policy(), at(MONDAY + dt.timedelta(days=5), 9)) == {}
    assert status(old) == "scheduled"


def test_two_schedulers_mark_each_no_show_once(clinic):
    doctor, patient = clinic
    appointments = [visit(doctor, make_patient(), at(MONDAY, h)) for h in (9, 10, 11)]
    policy = load_policy()
    results = run_in_threads(lambda: run_no_shows(policy, at(MONDAY, 13)))
    assert sum(r["no_shows"] for r in results) == 3
    assert all(status(a) == "no_show" for a in appointments)
    assert AuditLog.select().where(AuditLog.action == "mark no-show").count() == 3
