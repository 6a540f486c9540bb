"""The demo clinic is believable and seeding it twice adds nothing."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from peewee import fn

from core.clinic.queries import localized
from core.demo import seed_demo
from core.models import (
    Appointment,
    AuditLog,
    Closure,
    Department,
    Doctor,
    Patient,
    SlotClaim,
    StaffUser,
    TimeOff,
    VisitType,
    WaitlistEntry,
    WorkingHours,
)
from core.policy import load_policy
from core.staff import saved_replies
from core.views.schedule import today_board

NOW = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)


def test_demo_clinic_shape(database):
    logins = seed_demo(NOW, "America/New_York", rounds=4)
    assert set(logins) == {
        "admin@clinic.example",
        "staff@clinic.example",
        "hart@clinic.example",
    }
    assert Department.select().count() == 3
    assert Doctor.select().count() == 8
    assert Patient.select().count() == 60
    assert TimeOff.select().count() == 1 and Closure.select().count() == 1
    # Breaks: some doctor has two intervals on one weekday.
    per_day = (
        WorkingHours.select(fn.COUNT(WorkingHours.id))
        .group_by(WorkingHours.doctor, WorkingHours.weekday)
        .tuples()
    )
    assert max(n for (n,) in per_day) == 2
    statuses = {
        s for (s,) in Appointment.select(Appointment.status).distinct().tuples()
    }
    assert statuses == {"scheduled", "confirmed", "completed", "cancelled", "no_show"}
    total = Appointment.select().count()
    assert 250 <= total <= 400
    naive_now = NOW.replace(tzinfo=None)
    assert Appointment.select().where(Appointment.start < naive_now).count() > 50
    assert Appointment.select().where(Appointment.start > naive_now).count() > 50
    # Live visits hold their time; cancelled ones released it.
    cancelled = Appointment.select(Appointment.id).where(
        Appointment.status == "cancelled"
    )
    assert not SlotClaim.select().where(SlotClaim.appointment.in_(cancelled)).exists()
    roles = dict(StaffUser.select(StaffUser.email, StaffUser.role).tuples())
    assert roles["hart@clinic.example"] == "doctor"
    hart = StaffUser.get(StaffUser.email == "hart@clinic.example")
    assert Doctor.get_by_id(hart.doctor_id).name == "Dr. Amelia Hart"


def test_demo_clinic_speaks_spanish_too(sqlite_database):
    seed_demo(NOW, rounds=4)
    policy = load_policy()
    for lang in ("en", "es"):
        assert policy.fact(lang, "phone") == "+1 555 0100"
        assert all(policy.fact(lang, key) for key in ("address", "parking", "bring"))
        assert len(policy.custom_facts(lang)) == 2
    assert policy.fact("en", "hours") == "Mon–Fri 8:00–19:00, Sat 9:00–13:00"
    assert policy.fact("es", "parking") != policy.fact("en", "parking")
    spanish = {
        row.name: localized(row.name, row.names, "es")
        for model in (Department, VisitType)
        for row in model.select()
    }
    assert spanish == {
        "General Practice": "Medicina general",
        "Paediatrics": "Pediatría",
        "Dermatology": "Dermatología",
        "Consultation": "Consulta",
        "New patient": "Primera visita",
        "Follow-up": "Revisión",
    }


def test_seeding_twice_adds_nothing(sqlite_database):
    assert seed_demo(NOW, rounds=4) is not None
    counts = (Appointment.select().count(), Patient.select().count())
    assert seed_demo(NOW, rounds=4) is None
    assert (Appointment.select().count(), Patient.select().count()) == counts


# Late on a Monday (the last doctor works until 19:00 on Mondays), after
# everyone's hours, and on a Sunday when nobody works: Today still has visits
# to come, in a late clinic the demo gives its last doctor.
@pytest.mark.parametrize(
    "day,local_hour",
    [(23, (16, 43)), (23, (18, 13)), (23, (20, 5)), (29, (15, 0))],
    ids=["mon-16:43", "mon-18:13", "mon-20:05", "sun-15:00"],
)
def test_the_demo_today_has_visits_to_come_and_a_story(
    sqlite_database, day, local_hour
):
    zone = ZoneInfo("America/New_York")
    now = dt.datetime(2026, 11, day, *local_hour, tzinfo=zone).astimezone(dt.UTC)
    seed_demo(now, "America/New_York", rounds=4)
    policy = load_policy()
    board = today_board(policy, now, None, True)
    to_come = [
        visit
        for _, visits in board["by_doctor"]
        for visit in visits
        if visit.start > now and visit.status in ("scheduled", "confirmed")
    ]
    assert len(to_come) >= 3
    tomorrow = now.astimezone(zone).date() + dt.timedelta(days=1)
    assert any(v.start.date() == tomorrow for v in board["unconfirmed"])
    assert board["flagged"], "a conversation waits for a person"
    assert WaitlistEntry.select().where(WaitlistEntry.status == "waiting").exists()
    # Nothing in the audit log is dated after the moment the demo was seeded.
    assert not AuditLog.select().where(AuditLog.at > now.replace(tzinfo=None)).exists()


def test_the_demo_has_saved_replies_in_both_languages(sqlite_database):
    seed_demo(NOW, rounds=4)
    languages = {reply["language"] for reply in saved_replies.listing()}
    assert languages == {"en", "es"}
