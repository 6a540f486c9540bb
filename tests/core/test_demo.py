"""The demo clinic is believable and seeding it twice adds nothing."""

from __future__ import annotations

import datetime as dt

from peewee import fn

from core.clinic.queries import localized
from core.demo import seed_demo
from core.models import (
    Appointment,
    Closure,
    Department,
    Doctor,
    Patient,
    SlotClaim,
    StaffUser,
    TimeOff,
    VisitType,
    WorkingHours,
)
from core.policy import load_policy

NOW = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)


def test_demo_clinic_shape(database):
    logins = seed_demo(NOW, "America/New_York", rounds=4)
    assert set(logins) == {"admin@clinic.example", "staff@clinic.example"}
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
    assert StaffUser.select().count() == 2


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
