"""Dialog turns per second through the engine and a real SQLite file (issue 3).

    python -m bench.dialog_turns [--patients 150]

Each simulated patient runs a realistic mix: a full booking (8 turns),
listing and confirming a visit (3), answering a reminder (1), and a help /
not-understood / menu detour (3). Every turn is core.dialog.handle_inbound:
one write transaction with the inbound row, the patient, the conversation,
any booking, and the reply rows. The baseline, measured in the same run, is
the floor any turn pays: one indexed read and one inserted row in a write
transaction. Target (one process): >= 1,000 turns/s and p99 <= 10 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import tempfile
import time
from collections import defaultdict

from bench.common import add_database_option, bench_database, p99, pgbench_tps

NOW = dt.datetime(2026, 11, 23, 7, 0, tzinfo=dt.UTC)  # a Monday morning
DAYS = ["tomorrow", "wednesday at", "thursday afternoon", "fri", "12/1", "Dec 2"]
TIMED = {"wednesday at"}  # "wednesday at 10:00": the pick's time that day


def _seed(patients: int) -> list[str]:
    from core.models import (
        Department,
        Doctor,
        DoctorVisitType,
        Patient,
        VisitType,
        WorkingHours,
    )
    from core.policy import ensure_policy

    ensure_policy("UTC")
    consult = VisitType.create(name="Consultation", minutes=30)
    new = VisitType.create(name="New patient", minutes=60)
    for name in ("General Practice", "Paediatrics", "Dermatology"):
        department = Department.create(name=name)
        for k in range(2):
            doctor = Doctor.create(name=f"Dr. {name[:4]} {k}", department=department)
            for weekday in range(5):
                WorkingHours.create(
                    doctor=doctor, weekday=weekday, start=dt.time(9), end=dt.time(17)
                )
            for visit_type in (consult, new):
                DoctorVisitType.create(doctor=doctor, visit_type=visit_type)
    phones = [f"+1555020{n:04d}" for n in range(patients)]
    Patient.insert_many(
        [{"phone": p, "name": f"Pat {n}", "consent_at": NOW.replace(tzinfo=None)}
         for n, p in enumerate(phones)]
    ).execute()  # fmt: skip
    return phones


def _open_reminder(phone: str) -> None:
    """What the scheduler writes beside a reminder: a context for the reply."""
    from core.clock import to_db
    from core.models import Appointment, Conversation, Patient

    patient = Patient.get(Patient.phone == phone)
    visit = Appointment.select().where(Appointment.patient == patient.id).first()
    if visit is None:
        return
    Conversation.update(
        state="reminder",
        data=json.dumps({"appointment_id": visit.id}),
        updated_at=to_db(NOW),
    ).where(Conversation.address == phone).execute()


def _script(n: int) -> list[tuple[str, str]]:
    """(flow, text) turns for patient n."""
    # Each patient wants a different (doctor, day, time): no two collide, so
    # the mix is the intended flows (the race has its own tests).
    department, doctor = str(1 + n % 3), str(1 + n // 3 % 2)
    day, pick = DAYS[n // 6 % len(DAYS)], str(1 + n // 36 % 5)
    booking = ["hi", "1", department, doctor, "1", day, pick, "yes"]
    if day in TIMED:  # a free day and time asks "Book ...?" at once
        booking = [
            "hi",
            "1",
            department,
            doctor,
            "1",
            f"{day} {8 + int(pick)}:00",
            "yes",
        ]
    turns = [("booking", t) for t in booking]
    turns += [("my visits", t) for t in ("2", "1", "1")]
    turns += [("reminder", "REMIND"), ("reminder", "1")]
    turns += [("detour", t) for t in ("HELP", "purple?", "menu")]
    return turns


def _baseline(repeat: int) -> list[float]:
    """One indexed read and one inserted row in a write transaction."""
    from core.models import AuditLog, Patient
    from core.storage.db import write_transaction

    samples = []
    for i in range(repeat):
        started = time.perf_counter()
        with write_transaction():
            patient = Patient.get(Patient.phone == f"+1555020{i % 50:04d}")
            AuditLog.create(actor="bench", action="noop", patient=patient.id)
        samples.append(time.perf_counter() - started)
    return samples


def _line(name: str, samples: list[float]) -> str:
    median = statistics.median(samples) * 1000
    return (
        f"{name:<22} {len(samples):6d} turns  p50 {median:6.2f} ms"
        f"  p99 {p99(samples) * 1000:6.2f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=150, help="at most 180")
    add_database_option(parser)
    args = parser.parse_args(argv)
    if not 1 <= args.patients <= 180:
        parser.error("--patients must be 1..180 (each wants a distinct time)")

    from core.dialog.service import handle_inbound
    from core.messaging.inbound import Inbound
    from core.storage.db import open_database
    from core.storage.migrate import migrate

    with tempfile.TemporaryDirectory() as tmp:
        url = bench_database(args.database, tmp)
        open_database(url)
        migrate()
        phones = _seed(args.patients)
        baseline = _baseline(2000)
        scripts = {phone: _script(n) for n, phone in enumerate(phones)}
        per_flow: dict[str, list[float]] = defaultdict(list)
        every: list[float] = []
        clock = NOW
        wall = time.perf_counter()
        # Interleave patients turn by turn, as a clinic's inbox would see them.
        for position in range(max(len(s) for s in scripts.values())):
            clock += dt.timedelta(seconds=10)
            for phone, script in scripts.items():
                if position >= len(script):  # a shorter booking: done already
                    continue
                flow, text = script[position]
                if text == "REMIND":
                    _open_reminder(phone)
                    continue
                started = time.perf_counter()
                replies = handle_inbound(Inbound("sms", phone, text), clock)
                elapsed = time.perf_counter() - started
                assert replies, (phone, text)
                if text == "yes":
                    assert replies[0].text.startswith("Booked"), replies
                per_flow[flow].append(elapsed)
                every.append(elapsed)
        wall = time.perf_counter() - wall

    backend = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
    print(f"dialog turns on {backend}, {args.patients} patients, one thread")
    print(_line("baseline (read+write)", baseline))
    for flow, samples in per_flow.items():
        print(_line(flow, samples))
    print(_line("all turns", every))
    rate = len(every) / sum(every)
    print(
        f"throughput {rate:,.0f} turns/s in the engine"
        f" ({len(every) / wall:,.0f}/s wall clock incl. reminder setup);"
        f" target >= 1,000 turns/s, p99 <= 10 ms:"
        f" {'ok' if rate >= 1000 and p99(every) <= 0.010 else 'MISSED'}"
    )
    if not url.startswith("sqlite"):
        print(pgbench_tps(url))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
