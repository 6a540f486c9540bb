"""Slot and booking figures on SQLite (issue 2).

    python -m bench.slots_booking

Baseline: one indexed peewee primary-key query, measured in the same run, so
ratios compare across machines.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import report, timed
from core.audit import Actor
from core.clinic import booking
from core.clinic.calendar import free_slots_for_doctor, next_slots
from core.models import Appointment, Doctor, Patient
from core.policy import load_policy
from core.storage.db import db, open_database
from core.storage.migrate import migrate
from tests.factories import make_department, make_doctor, make_policy

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
DOCTORS = 50
APPOINTMENTS = 50_000


def build(path: Path) -> list[int]:
    open_database(f"sqlite:///{path}")
    migrate()
    make_policy(horizon_days=400)
    department = make_department(name="Large department")
    with db.atomic():
        doctors = [make_doctor(department=department).id for _ in range(DOCTORS)]
        patient = Patient.create(phone="+15550000001", name="Bench Patient")
    rng = random.Random(7)
    rows = []
    for _ in range(APPOINTMENTS):
        day = NOW.date() + dt.timedelta(days=rng.randrange(-200, 200))
        start = dt.datetime.combine(
            day, dt.time(rng.randrange(9, 17), rng.choice((0, 30)))
        )
        rows.append(
            {
                "doctor": rng.choice(doctors),
                "patient": patient.id,
                "visit_type": 1,
                "start": start,
                "end": start + dt.timedelta(minutes=30),
                "status": rng.choice(("scheduled", "confirmed", "cancelled")),
            }
        )
    with db.atomic():
        for chunk in range(0, len(rows), 2000):
            Appointment.insert_many(rows[chunk : chunk + 2000]).execute()
    return doctors


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        doctors = build(Path(tmp) / "bench.db")
        policy = load_policy()
        length = dt.timedelta(minutes=30)
        monday = dt.date(2026, 11, 23)
        baseline = timed(
            lambda: Doctor.select().where(Doctor.id == doctors[0]).first(), 2000
        )
        print(
            f"SQLite, {APPOINTMENTS:,} appointments, {DOCTORS} doctors, one department"
        )
        base_ms = statistics.median(baseline) * 1000
        print(f"{'baseline: one peewee pk query':<44} median {base_ms:8.3f} ms")
        one_day = timed(
            lambda: free_slots_for_doctor(doctors[3], monday, policy, NOW, length), 500
        )
        report("free slots, one doctor-day", one_day, baseline, 1.0)
        next3 = timed(lambda: next_slots(doctors, policy, NOW, 3, length, monday), 200)
        report("next 3 free slots, 50-doctor department", next3, baseline, 10.0)
        bookings = booking_rate(doctors[0], policy)
        print(f"{'bookings committed':<44} {bookings:8.0f} /s  (target >= 500/s)")


def booking_rate(doctor_id: int, policy) -> float:
    """Book one doctor's free slots one after another, each its own transaction."""
    patient = Patient.get(Patient.phone == "+15550000001")
    day, starts = dt.date(2027, 1, 4), []
    while len(starts) < 1000:
        starts += free_slots_for_doctor(
            doctor_id, day, policy, NOW, dt.timedelta(minutes=30)
        )
        day += dt.timedelta(days=1)
    actor = Actor("staff", 1)
    started = time.perf_counter()
    for start in starts[:1000]:
        booking.book(
            patient_id=patient.id,
            doctor_id=doctor_id,
            start=start,
            policy=policy,
            now=NOW,
            actor=actor,
        )
    return 1000 / (time.perf_counter() - started)


if __name__ == "__main__":
    main()
