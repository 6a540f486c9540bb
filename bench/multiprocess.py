"""Two web processes behind one port and a scheduler on one PostgreSQL (issue 15).

    python -m bench.multiprocess --database postgresql://... [--seconds 6]

Starts `clinicbot serve --role web --reuse-port` twice on one port (the
kernel spreads connections between them) and `serve --role scheduler`,
all on the given PostgreSQL (its schema is wiped) and a fake Twilio in a
fourth process. The SMS webhook load generator of bench.sms_webhook keeps 50
conversations going; 40 visits are due a reminder. Then it checks, in the
database: every inbound message stored once and answered, no two live
visits of a doctor overlapping, every reminder sent once. The same load on
one web process is measured first, for the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

from bench.common import bench_database
from bench.sms_webhook import PUBLIC_URL, TOKEN, line, load, seed

FROM = "+15550009999"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_ready(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{port}/health/live", timeout=1
            ):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing answered on port {port}")


def _env(url: str, fake_port: int) -> dict[str, str]:
    return {
        **os.environ,
        "CLINICBOT_DATABASE_URL": url,
        "CLINICBOT_SECRET_KEY": "b" * 32,
        "CLINICBOT_PUBLIC_URL": PUBLIC_URL,
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_FROM_NUMBER": FROM,
        "TWILIO_API_BASE_URL": f"http://127.0.0.1:{fake_port}",
        "CLINICBOT_SMS_RATE": "0",
    }


def _serve(env, port: int, role: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "console.cli", "serve", "--port", str(port),
         "--role", role, "--reuse-port"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _book_reminders(count: int) -> None:
    """count visits 23 h from now, each due its day-before reminder at once.

    They go to doctors who work around the clock, two visits each, so the
    bench does not depend on the hour it runs at.
    """
    from core import audit
    from core.clinic import booking
    from core.models import (
        Department,
        Doctor,
        DoctorVisitType,
        Patient,
        VisitType,
        WorkingHours,
    )
    from core.policy import load_policy, save_policy

    save_policy({"quiet_start": dt.time(0, 0), "quiet_end": dt.time(0, 0)})
    department = Department.create(name="Night and day")
    consult = VisitType.get(VisitType.name == "Consultation")
    doctors = []
    for k in range(count // 2):
        doctor = Doctor.create(name=f"Dr. Always {k}", department=department)
        DoctorVisitType.create(doctor=doctor, visit_type=consult)
        always = {"doctor": doctor, "start": dt.time(0), "end": dt.time(23, 59)}
        WorkingHours.insert_many([{**always, "weekday": d} for d in range(7)]).execute()
        doctors.append(doctor)
    now = dt.datetime.now(dt.UTC)
    first = (now + dt.timedelta(hours=22, minutes=30)).replace(
        minute=0 if now.minute < 30 else 30, second=0, microsecond=0
    )
    patients = list(Patient.select().order_by(Patient.id.desc()).limit(count))
    for n, patient in enumerate(patients):
        booking.book(
            patient_id=patient.id,
            doctor_id=doctors[n // 2].id,
            start=first + dt.timedelta(minutes=30 * (n % 2)),
            policy=load_policy(),
            now=now,
            actor=audit.SYSTEM,
        )


def _checks() -> dict:
    from peewee import fn

    from core.models import Appointment, Message

    inbound = Message.select().where(Message.direction == "in").count()
    duplicate_ids = (
        Message.select(Message.provider_id)
        .where(Message.direction == "in")
        .group_by(Message.provider_id)
        .having(fn.COUNT(Message.id) > 1)
        .count()
    )
    live = list(
        Appointment.select(Appointment.doctor, Appointment.start, Appointment.end)
        .where(Appointment.status.in_(("scheduled", "confirmed")))
        .order_by(Appointment.doctor, Appointment.start)
        .tuples()
    )
    overlaps = sum(
        1
        for (d1, _s1, e1), (d2, s2, _e2) in zip(live, live[1:], strict=False)
        if d1 == d2 and s2 < e1
    )
    reminders = Message.select().where(Message.kind == "reminder")
    twice = (
        reminders.select(Message.appointment)
        .group_by(Message.appointment)
        .having(fn.COUNT(Message.id) > 1)
        .count()
    )
    sent = reminders.where(Message.status == "sent").count()
    by_rest = Message.select().where(Message.provider_id.startswith("SMf")).count()
    return {
        "sent_by_rest": by_rest,
        "inbound": inbound,
        "duplicate_inbound": duplicate_ids,
        "overlapping_visits": overlaps,
        "reminders": reminders.count(),
        "reminders_sent": sent,
        "reminded_twice": twice,
    }


async def _run(args) -> None:
    url = bench_database(args.database, "/tmp")
    seed(url, args.concurrency + 40)
    _book_reminders(40)
    fake_port = _free_port()
    fake = subprocess.Popen(
        [sys.executable, "-m", "bench.fake_providers", str(fake_port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    env = _env(url, fake_port)
    figures = {}
    try:
        for processes in (1, 2):
            port = _free_port()
            webs = [_serve(env, port, "web") for _ in range(processes)]
            try:
                _wait_ready(port)
                time.sleep(1.0)  # every process listening, not only the first
                figures[processes] = await load(
                    port, args.seconds, args.concurrency, run=processes
                )
            finally:
                for web in webs:
                    web.terminate()
                for web in webs:
                    web.wait(timeout=30)
        scheduler = _serve(env, _free_port(), "scheduler")
        try:
            time.sleep(args.scheduler_seconds)  # its first tick comes after 5 s
        finally:
            scheduler.terminate()
            scheduler.wait(timeout=30)
        with urllib.request.urlopen(f"http://127.0.0.1:{fake_port}/count") as r:
            accepted = json.loads(r.read())
    finally:
        fake.terminate()
    from core.storage.db import open_database

    open_database(url)
    checks = _checks()
    one, _, _ = line("1 web process", figures[1])
    two, rate2, _ = line("2 web processes, one port", figures[2])
    rate1 = len(figures[1]["latencies"]) / figures[1]["seconds"]
    print(one)
    print(two)
    print(f"  2 processes / 1 = {rate2 / rate1:.2f}x")
    requests = sum(len(f["latencies"]) for f in figures.values())
    print(
        f"checks: {checks['inbound']:,} inbound stored (for {requests:,} measured"
        f" requests and the warm-up), {checks['duplicate_inbound']} stored twice;"
        f" {checks['overlapping_visits']} overlapping visits;"
        f" {checks['reminders']} reminders queued, {checks['reminders_sent']} sent,"
        f" {checks['reminded_twice']} twice; fake Twilio accepted {accepted['sms']}"
        f" texts, {checks['sent_by_rest']} recorded as sent by REST"
    )
    errors = figures[1]["errors"] + figures[2]["errors"]
    ok = (
        errors == 0
        and checks["duplicate_inbound"] == 0
        and checks["overlapping_visits"] == 0
        and checks["reminded_twice"] == 0
        and checks["reminders_sent"] == checks["reminders"] >= 40
        and accepted["sms"] == checks["sent_by_rest"]  # none sent twice
    )
    print(f"errors {errors}; every inbound once, no double booking, reminders once:"
          f" {'ok' if ok else 'FAILED'}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="PostgreSQL (wiped)")
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--scheduler-seconds", type=float, default=12.0)
    asyncio.run(_run(parser.parse_args()))


if __name__ == "__main__":
    main()
