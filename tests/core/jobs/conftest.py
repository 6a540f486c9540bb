"""A small clinic to run the scheduler against, with helpers to move time."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from core import audit
from core.clinic import booking
from core.clock import UTC, to_db
from core.models import Appointment, Message
from core.policy import load_policy
from core.storage.db import db
from tests.factories import make_doctor, make_patient, make_policy

# Monday 2026-11-23; visits are booked two days ahead of their start.
MONDAY = dt.date(2026, 11, 23)


def at(day: dt.date, hour: int, minute: int = 0, tz: str = "UTC") -> dt.datetime:
    """An aware instant from a local wall time in zone tz."""
    from zoneinfo import ZoneInfo

    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZoneInfo(tz))


def visit(doctor, patient, start: dt.datetime, **fields) -> Appointment:
    """Book a visit two days before it starts, then apply fields directly."""
    booked = booking.book(
        patient_id=patient.id,
        doctor_id=doctor.id,
        start=start,
        policy=load_policy(),
        now=start - dt.timedelta(days=2),
        actor=audit.SYSTEM,
    )
    if fields:
        Appointment.update(fields).where(Appointment.id == booked.id).execute()
    return Appointment.get_by_id(booked.id)


def deliver_all() -> None:
    """Pretend the dispatcher sent and the provider delivered every queued text."""
    Message.update(status="delivered", sent_at=to_db(dt.datetime.now(UTC))).where(
        Message.status == "queued"
    ).execute()


def run_in_threads(fn, count: int = 2, *more) -> list:
    """Run fn() in `count` threads at once (plus one per extra function in
    `more`), each on its own connection; return their results."""
    fns = [fn] * count + list(more)
    barrier = threading.Barrier(len(fns))
    results, errors = [], []

    def work(fn):
        try:
            barrier.wait()
            results.append(fn())
        except Exception as exc:  # surfaced below, so the test fails loudly
            errors.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=work, args=(f,)) for f in fns]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


@pytest.fixture
def clinic(database):
    """Policy (UTC, defaults), one doctor working Mon-Fri 9-17, one patient."""
    make_policy(timezone="UTC")
    return make_doctor(name="Dr. Ada Lovelace"), make_patient(name="Maria Lopez")


@pytest.fixture
def sqlite_clinic(sqlite_database):
    make_policy(timezone="UTC")
    return make_doctor(name="Dr. Ada Lovelace"), make_patient(name="Maria Lopez")
