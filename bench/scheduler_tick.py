"""One scheduler tick over a large SQLite database (issue 5).

    python -m bench.scheduler_tick [--rows 1000000] [--due 10000] [--db PATH]

Builds `rows` appointments (100 doctors, weekdays 09-17, two years back and
~75 days ahead) with executemany, then measures:

  nothing due   run_all(now) once every reminder in the next 24 h is claimed,
                beside the reminders' due query as raw SQL on its index and
                the same query NOT INDEXED (the baseline it must beat);
  10,000 due    run_reminders when `due` visits all need a reminder at once,
                beside queuing the same number of texts with core.outbox alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import add_database_option, bench_database, pgbench_tps, report, timed

DOCTORS = 100
PER_DAY = 16  # 30-minute visits, 09:00-17:00
# A Monday noon in UTC: outside quiet hours, with visits all around it.
NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


def _clinic() -> tuple[list[int], int, list[int]]:
    """Policy, doctors, one visit type and a pool of patients; return their ids."""
    from core.models import Department, Doctor, Patient, VisitType
    from core.policy import ensure_policy
    from core.storage.db import db

    ensure_policy("UTC")
    with db.atomic():
        department = Department.create(name="General")
        doctors = [
            Doctor.create(name=f"Dr. Bench {n}", department=department).id
            for n in range(DOCTORS)
        ]
        visit_type = VisitType.create(name="Consultation", minutes=30).id
        Patient.insert_many(
            [{"phone": f"+1555{n:07d}", "name": f"Pat {n}"} for n in range(20_000)],
        ).execute()
    patients = [pid for (pid,) in Patient.select(Patient.id).tuples()]
    return doctors, visit_type, patients


def _insert(rows: list[tuple]) -> None:
    from core.storage.db import db, is_sqlite

    columns = (
        "INSERT INTO appointment (doctor_id, patient_id, visit_type_id, start, "
        '"end", status, cancelled_at, created_via, needs_confirmation, created_at, '
        "updated_at) VALUES "
    )
    with db.atomic():
        if is_sqlite():
            values = "(?, ?, ?, ?, ?, ?, ?, 'console', TRUE, ?, ?)"
            db.cursor().executemany(columns + values, rows)
        else:  # one round trip per 5,000 rows, not per row
            from psycopg2.extras import execute_values

            template = "(%s, %s, %s, %s, %s, %s, %s, 'console', TRUE, %s, %s)"
            execute_values(
                db.cursor(), columns + "%s", rows, template=template, page_size=5000
            )


def build(total: int) -> None:
    """Weekday visits for every doctor, oldest first, until `total` rows."""
    doctors, visit_type, patients = _clinic()
    rng = random.Random(5)
    days = total // (DOCTORS * PER_DAY) + 1
    weekdays_ahead = 75 * 5 // 7
    day = NOW.date() - dt.timedelta(days=int((days - weekdays_ahead) * 7 / 5))
    made, chunk = 0, []
    now = NOW.replace(tzinfo=None)
    while made < total:
        if day.weekday() < 5:
            for slot in range(PER_DAY):
                start = dt.datetime.combine(day, dt.time(9)) + dt.timedelta(
                    minutes=30 * slot
                )
                past = start < now
                for doctor in doctors:
                    if made >= total:
                        break
                    roll = rng.random()
                    if past:
                        status = "completed" if roll < 0.9 else "no_show"
                    else:
                        status = "confirmed" if roll < 0.5 else "scheduled"
                    # Booked 1-30 days ahead (never in the future), and
                    # cancelled, if at all, between booking and the visit.
                    created = start - dt.timedelta(days=rng.uniform(1, 30))
                    if created > now:
                        created = now - dt.timedelta(days=rng.uniform(0, 30))
                    cancelled_at = None
                    if roll > 0.96:
                        status = "cancelled"
                        cancelled_at = created + rng.random() * (
                            min(start, now) - created
                        )
                    chunk.append(
                        (
                            doctor,
                            rng.choice(patients),
                            visit_type,
                            start,
                            start + dt.timedelta(minutes=30),
                            status,
                            cancelled_at,
                            created,
                            created,
                        )
                    )
                    made += 1
            if len(chunk) >= 50_000:
                _insert(chunk)
                chunk = []
        day += dt.timedelta(days=1)
    _insert(chunk)


DUE_SQL = """
SELECT a.id, a.start FROM appointment AS a {hint}
WHERE a.start > ? AND a.start <= ? AND a.status IN ('scheduled', 'confirmed')
  AND NOT EXISTS (SELECT 1 FROM reminder_claim AS c WHERE c.appointment_id = a.id
                  AND c.kind = 'lead:1440' AND c.start = a.start)
"""


def _due_query(hint: str):
    from core.clock import to_db
    from core.storage.db import db

    args = (to_db(NOW), to_db(NOW + dt.timedelta(hours=24)))
    sql = DUE_SQL.format(hint=hint)
    return lambda: db.execute_sql(sql, args).fetchall()


def bench_nothing_due() -> None:
    from core.jobs.runner import run_all
    from core.models import Appointment, ReminderClaim

    started = time.perf_counter()
    first = run_all(NOW)
    print(
        f"first tick at {NOW:%a %H:%M} claimed {ReminderClaim.select().count()} "
        f"reminders in {time.perf_counter() - started:.2f} s: {first}"
    )
    tick = timed(lambda: run_all(NOW), repeat=30)
    empty = timed(lambda: Appointment.select().where(Appointment.id == 0).first(), 30)
    report("tick, nothing due (run_all, 5 jobs)", tick, empty, 5)
    report("  baseline: one empty peewee query", empty, empty, 5)
    from core.storage.db import db, is_sqlite

    if not is_sqlite():  # the index hints below are SQLite's
        # Right after a bulk load PostgreSQL has no statistics and picks slow
        # plans; autovacuum analyzes such tables within minutes.
        db.execute_sql("ANALYZE")
        tick = timed(lambda: run_all(NOW), repeat=30)
        report("tick, nothing due, after ANALYZE", tick, empty, 5)
        return
    indexed = timed(_due_query("INDEXED BY appointment_start_status"), repeat=30)
    scan = timed(_due_query("NOT INDEXED"), repeat=5)
    report("  due query alone, raw SQL, indexed", indexed, empty, 5)
    slow, fast = statistics.median(scan), statistics.median(indexed)
    print(
        f"  the due query NOT INDEXED: median {slow * 1000:.1f} ms, "
        f"{slow / fast:.0f}x the indexed one; the whole tick is "
        f"{slow / statistics.median(tick):.0f}x faster than that one scan"
    )


def bench_many_due(due: int) -> None:
    from core.clock import to_db
    from core.jobs.reminders import run_reminders
    from core.messaging.outbox import enqueue
    from core.models import Message, Patient
    from core.policy import load_policy
    from core.storage.db import db

    # A Saturday: no regular visits, so exactly `due` reminders fall due.
    saturday = NOW + dt.timedelta(days=12)
    rows = []
    patients = [pid for (pid,) in Patient.select(Patient.id).tuples()]
    for n in range(due):
        start = saturday + dt.timedelta(hours=1, seconds=n)
        created = to_db(saturday - dt.timedelta(days=5))
        rows.append(
            (
                1 + n % DOCTORS,
                patients[n % len(patients)],
                1,
                to_db(start),
                to_db(start + dt.timedelta(minutes=30)),
                "scheduled",
                None,
                created,
                created,
            )
        )
    _insert(rows)
    policy = load_policy()
    before = Message.select().count()
    started = time.perf_counter()
    counts = run_reminders(policy, saturday)
    elapsed = time.perf_counter() - started
    queued = Message.select().count() - before
    assert counts["reminders_queued"] == due == queued, (counts, queued)

    # Baseline: only queuing that many texts through the outbox, nothing else.
    sample = list(Patient.select().limit(due))
    started = time.perf_counter()
    with db.atomic():
        for patient in sample:
            enqueue(patient, "x" * 120, now=saturday, kind="bench")
    baseline = time.perf_counter() - started
    with db.atomic():
        Message.delete().where(Message.kind == "bench").execute()
    verdict = "ok" if elapsed <= 5 else "OVER TARGET"
    print(
        f"{due} reminders due at once: {elapsed:.2f} s ({queued} queued)"
        f"  = {elapsed / baseline:.1f}x baseline  (target <= 5 s: {verdict})"
    )
    print(f"  baseline: {due} outbox.enqueue calls alone: {baseline:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--db", help="database file to create (default: a temp file)")
    add_database_option(parser)
    args = parser.parse_args()

    from core.models import Appointment
    from core.storage.db import open_database
    from core.storage.migrate import migrate

    with tempfile.TemporaryDirectory() as tmp:
        if args.database:
            url = bench_database(args.database, tmp)
        else:
            path = Path(args.db or Path(tmp) / "bench.db")
            if path.exists():
                raise SystemExit(f"{path} exists; give a new file")
            url = f"sqlite:///{path}"
        open_database(url)
        migrate()
        started = time.perf_counter()
        build(args.rows)
        open_database(url).execute_sql("ANALYZE")
        print(
            f"built {Appointment.select().count():,} appointments in "
            f"{time.perf_counter() - started:.1f} s"
        )
        bench_nothing_due()
        bench_many_due(args.due)
        if not url.startswith("sqlite"):
            print(pgbench_tps(url))


if __name__ == "__main__":
    main()
