"""A believable demo clinic: departments, doctors, patients and visits."""

from __future__ import annotations

import datetime as dt
import logging
import random
import secrets

from core.audit import SYSTEM, Actor
from core.clinic import booking
from core.clock import UTC, to_db
from core.errors import DomainError
from core.models import (
    Closure,
    Department,
    Doctor,
    DoctorVisitType,
    Patient,
    TimeOff,
    VisitType,
    WorkingHours,
)
from core.policy import ensure_policy, load_policy
from core.staff.accounts import create_staff
from core.storage.db import db

log = logging.getLogger(__name__)

T = dt.time
MORNING_AND_AFTERNOON = [(T(9), T(12, 30)), (T(13, 30), T(17))]
DOCTORS = [
    # name, department, specialisation, weekdays, intervals
    (
        "Dr. Amelia Hart",
        "General Practice",
        "Family medicine",
        range(5),
        MORNING_AND_AFTERNOON,
    ),
    (
        "Dr. Rafael Ortiz",
        "General Practice",
        "Internal medicine",
        range(5),
        [(T(8), T(14))],
    ),
    (
        "Dr. Priya Natarajan",
        "General Practice",
        "Family medicine",
        (0, 2, 4),
        [(T(12), T(19))],
    ),
    (
        "Dr. Tomás Velasco",
        "Paediatrics",
        "Paediatrics",
        range(5),
        MORNING_AND_AFTERNOON,
    ),
    ("Dr. Hannah Berg", "Paediatrics", "Neonatology", (1, 3), [(T(9), T(13))]),
    (
        "Dr. Lucía Moreno",
        "Dermatology",
        "Dermatology",
        range(4),
        [(T(10), T(13)), (T(14), T(18))],
    ),
    (
        "Dr. Samuel Okafor",
        "Dermatology",
        "Dermatologic surgery",
        (0, 1, 2),
        [(T(9), T(15))],
    ),
    (
        "Dr. Grace Liu",
        "General Practice",
        "Sports medicine",
        (2, 3, 4, 5),
        [(T(9), T(13))],
    ),
]
FIRST = [
    "Ana",
    "Ben",
    "Carla",
    "David",
    "Elena",
    "Farid",
    "Greta",
    "Hugo",
    "Iris",
    "Jon",
    "Kemal",
    "Lena",
    "Marco",
    "Nadia",
]
LAST = [
    "García",
    "Smith",
    "Müller",
    "Rossi",
    "Kowalski",
    "Nguyen",
    "Haddad",
    "Silva",
    "Johansson",
    "O'Brien",
]
STATUSES_PAST = ["completed"] * 6 + ["no_show", "cancelled"]
STATUSES_FUTURE = ["scheduled"] * 4 + ["confirmed"] * 3 + ["cancelled"]


def seed_demo(
    now: dt.datetime, timezone: str = "UTC", rounds: int = 12
) -> dict[str, str] | None:
    """Seed the demo clinic once; return the new logins, or None if already seeded."""
    if Department.select().exists():
        return None
    rng = random.Random(20261122)
    with db.atomic():
        policy_row = ensure_policy(timezone)
        policy_row.clinic_name = "Riverside Family Clinic"
        policy_row.save()
        visit_types = _visit_types()
        doctors = _doctors(visit_types, now, timezone)
        patients = _patients(rng)
    _appointments(rng, doctors, patients, now)
    logins = {
        "admin@clinic.example": secrets.token_urlsafe(9),
        "staff@clinic.example": secrets.token_urlsafe(9),
    }
    create_staff(
        "admin@clinic.example", logins["admin@clinic.example"], "admin", rounds=rounds
    )
    create_staff(
        "staff@clinic.example", logins["staff@clinic.example"], "staff", rounds=rounds
    )
    return logins


def _visit_types() -> list[VisitType]:
    return [
        VisitType.create(name="Consultation", minutes=30),
        VisitType.create(name="New patient", minutes=60),
        VisitType.create(name="Follow-up", minutes=30),
    ]


def _doctors(
    visit_types: list[VisitType], now: dt.datetime, timezone: str
) -> list[Doctor]:
    departments = {}
    doctors = []
    for name, department, specialisation, weekdays, intervals in DOCTORS:
        if department not in departments:
            departments[department] = Department.create(name=department)
        doctor = Doctor.create(
            name=name, department=departments[department], specialisation=specialisation
        )
        for weekday in weekdays:
            for start, end in intervals:
                WorkingHours.create(
                    doctor=doctor, weekday=weekday, start=start, end=end
                )
        for visit_type in visit_types[: 2 if len(doctors) % 3 else 3]:
            DoctorVisitType.create(doctor=doctor, visit_type=visit_type)
        doctors.append(doctor)
    on_leave = doctors[4]
    TimeOff.create(
        doctor=on_leave,
        start=to_db(now + dt.timedelta(days=3)),
        end=to_db(now + dt.timedelta(days=17)),
        reason="Annual leave",
    )
    holiday = (now + dt.timedelta(days=10)).date()
    Closure.create(day=holiday, name="Clinic holiday")
    return doctors


def _patients(rng: random.Random) -> list[Patient]:
    patients = []
    for n in range(60):
        name = f"{FIRST[n % len(FIRST)]} {LAST[(n * 7) % len(LAST)]}"
        patients.append(
            Patient.create(
                phone=f"+1555020{n:04d}",
                telegram_chat_id=str(700000 + n) if n % 4 == 0 else None,
                name=name,
                language="es" if n % 5 == 0 else "en",
                sms_opt_out=n == 59,
                consent_at=dt.datetime(2026, 1, 1) + dt.timedelta(days=n),
            )
        )
    return patients


def _appointments(rng, doctors, patients, now: dt.datetime) -> int:
    """Book ~300 visits through the real rules, then move them through statuses."""
    policy = load_policy()
    booked = 0
    for offset in range(-30, 31):
        day = (now + dt.timedelta(days=offset)).date()
        for doctor in rng.sample(doctors, 5):
            booked += _book_day(rng, doctor, day, patients, policy, now)
    log.info("demo: %d appointments", booked)
    return booked


def _book_day(rng, doctor, day, patients, policy, now) -> int:
    count = 0
    for hour in rng.sample(range(8, 18), 3):
        start = dt.datetime.combine(
            day, dt.time(hour, rng.choice((0, 30))), tzinfo=policy.tz
        )
        start = start.astimezone(UTC)
        patient = rng.choice(patients)
        try:
            appointment = booking.book(
                patient_id=patient.id,
                doctor_id=doctor.id,
                start=start,
                policy=policy,
                # Booked two days before, as a patient would have.
                now=min(now, start - dt.timedelta(days=2)),
                actor=Actor("patient", patient.id),
                via=rng.choice(("sms", "sms", "telegram", "console")),
            )
        except DomainError:
            continue  # outside this doctor's hours or already taken
        _settle(rng, appointment, start, now)
        count += 1
    return count


def _settle(rng, appointment, start: dt.datetime, now: dt.datetime) -> None:
    """Give a booked demo visit a believable status for its time."""
    past = start + dt.timedelta(hours=1) < now
    status = rng.choice(STATUSES_PAST if past else STATUSES_FUTURE)
    if status in ("confirmed", "completed") or (past and status == "no_show"):
        booking.confirm(
            appointment.id,
            Actor("patient", appointment.patient_id),
            start - dt.timedelta(days=1),
        )
    if status == "completed":
        booking.complete(
            appointment.id, Actor("staff"), start + dt.timedelta(minutes=30)
        )
    elif status == "no_show":
        booking.mark_no_show(appointment.id, SYSTEM, start + dt.timedelta(minutes=45))
    elif status == "cancelled":
        booking.cancel(
            appointment.id,
            Actor("patient", appointment.patient_id),
            "demo",
            start - dt.timedelta(days=1),
        )
