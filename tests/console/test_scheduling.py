"""The scheduler inside the app (/health) and `clinicbot jobs run-once`."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import sys

import pytest

from console import scheduling
from console.app import create_app
from console.cli import main
from console.keys import GATEWAY
from core import audit
from core.clinic import booking
from core.messaging import outbox
from core.models import Message
from core.policy import load_policy
from core.settings import Settings
from core.storage.db import db, open_database
from core.storage.migrate import migrate
from tests.bot.fakes import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER
from tests.console.conftest import FakeClock
from tests.factories import make_doctor, make_patient, make_policy

VISIT = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)


def book_visit() -> int:
    make_policy(timezone="UTC")
    appointment = booking.book(
        patient_id=make_patient(name="Ana Lopez").id,
        doctor_id=make_doctor().id,
        start=VISIT,
        policy=load_policy(),
        now=VISIT - dt.timedelta(days=3),
        actor=audit.SYSTEM,
    )
    return appointment.id


def reminder_count() -> int:
    return Message.select().where(Message.kind == "reminder").count()


@pytest.fixture
def no_background_tick(monkeypatch):
    """Keep APScheduler's own first tick out of the test; the test ticks."""
    monkeypatch.setattr(scheduling, "FIRST_TICK_DELAY", dt.timedelta(hours=1))


async def test_health_reports_the_scheduler_ticks_and_lag(
    aiohttp_client, sqlite_database, no_background_tick
):
    appointment_id = book_visit()
    clock = FakeClock(VISIT - dt.timedelta(hours=24))
    app = create_app(
        Settings(database_url=sqlite_database, demo=True), "scheduler", clock=clock
    )
    client = await aiohttp_client(app)

    body = await (await client.get("/health")).json()
    assert body["scheduler"] == {
        "running": True,
        "last_tick": None,
        "lag_seconds": None,
        "fresh": True,  # just started: the first tick is still to come
    }

    summary = await scheduling.tick(app, app[scheduling.TICK_STATE])
    assert summary["reminders_queued"] == 1
    count = await app[GATEWAY].run(
        lambda: Message.select().where(Message.appointment == appointment_id).count()
    )
    assert count == 1

    clock.advance(seconds=30)
    body = await (await client.get("/health")).json()
    assert (
        body["scheduler"]["last_tick"] == (VISIT - dt.timedelta(hours=24)).isoformat()
    )
    assert body["scheduler"]["lag_seconds"] == 0

    clock.advance(minutes=5)  # no tick for five and a half minutes: it is late
    body = await (await client.get("/health")).json()
    assert body["scheduler"]["lag_seconds"] == pytest.approx(270)


async def test_web_role_runs_no_scheduler(aiohttp_client, sqlite_database):
    app = create_app(Settings(database_url=sqlite_database, demo=True), "web")
    client = await aiohttp_client(app)
    body = await (await client.get("/health")).json()
    assert body["scheduler"]["running"] is False
    assert scheduling.TICK_STATE not in app


@pytest.fixture
def cli_env(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("CLINICBOT_DATABASE_URL", url)
    monkeypatch.setenv("CLINICBOT_TIMEZONE", "UTC")
    open_database(url)
    migrate()
    book_visit()
    yield url
    db.close()


def test_run_once_sends_each_reminder_once(cli_env, capsys):
    at = (VISIT - dt.timedelta(hours=3)).isoformat()
    assert main(["jobs", "run-once", "--now", at]) == 0
    first = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert first["reminders_queued"] == 1 and first["now"] == at
    assert main(["jobs", "run-once", "--now", at]) == 0
    second = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert "reminders_queued" not in second
    open_database(cli_env)
    assert reminder_count() == 1


def test_run_once_reads_a_time_without_offset_as_clinic_time(cli_env, capsys):
    assert main(["jobs", "run-once", "--now", "2026-11-24T09:00"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["now"] == "2026-11-24T09:00:00+00:00"


@pytest.mark.parametrize("bad", ["tomorrow", "2026-13-01T00:00"])
def test_run_once_refuses_a_bad_time_and_does_nothing(cli_env, capsys, bad):
    assert main(["jobs", "run-once", "--now", bad]) == 2
    assert "ISO 8601" in capsys.readouterr().err
    open_database(cli_env)
    assert reminder_count() == 0


async def test_a_failing_tick_leaves_last_tick_and_lag_growing(
    aiohttp_client, sqlite_database, no_background_tick, monkeypatch
):
    clock = FakeClock(VISIT - dt.timedelta(hours=24))
    settings = Settings(database_url=sqlite_database, demo=True)
    app = create_app(settings, "scheduler", clock=clock)
    client = await aiohttp_client(app)
    assert await scheduling.tick(app, app[scheduling.TICK_STATE]) == {}

    def broken(now):
        raise RuntimeError("database gone")

    monkeypatch.setattr(scheduling, "run_all", broken)
    clock.advance(minutes=3)
    assert await scheduling.tick(app, app[scheduling.TICK_STATE]) is None
    body = await (await client.get("/health")).json()
    assert (
        body["scheduler"]["last_tick"] == (VISIT - dt.timedelta(hours=24)).isoformat()
    )
    assert body["scheduler"]["lag_seconds"] == pytest.approx(120)


async def test_run_once_delivers_all_it_queues_at_the_rate_limit(tmp_path, fake_twilio):
    """Cron's view: one `run-once --now T` with 30 reminders due and 5 texts/s."""
    url = f"sqlite:///{tmp_path / 'cron.db'}"
    open_database(url)
    migrate()
    make_policy(timezone="UTC")
    for n in range(30):
        booking.book(
            patient_id=make_patient(name=f"Patient {n}").id,
            doctor_id=make_doctor().id,
            start=VISIT,
            policy=load_policy(),
            now=VISIT - dt.timedelta(days=3),
            actor=audit.SYSTEM,
        )
    db.close()
    at = (VISIT - dt.timedelta(hours=3)).isoformat()
    env = {
        **os.environ,
        "CLINICBOT_DATABASE_URL": url,
        "CLINICBOT_TIMEZONE": "UTC",
        "CLINICBOT_SMS_RATE": "5",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": FROM_NUMBER,
        "TWILIO_API_BASE_URL": fake_twilio.base_url,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "console.cli", "jobs", "run-once", "--now", at,
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    summary = json.loads(out.decode().strip().splitlines()[-1])
    assert summary["reminders_queued"] == 30
    assert summary["dispatched"] == 30 and summary["queued"] == 0
    assert len({text["To"] for text in fake_twilio.sent}) == 30
    # Paced at 5 a second after the first second's burst, not all at once.
    assert summary["dispatch_seconds"] >= 4
    open_database(url)
    sent = Message.select().where(Message.kind == "reminder", Message.status == "sent")
    assert sent.count() == 30


async def test_run_once_leaves_quiet_hours_texts_queued_and_says_so(
    tmp_path, fake_twilio
):
    url = f"sqlite:///{tmp_path / 'night.db'}"
    open_database(url)
    migrate()
    make_policy(timezone="UTC", quiet_start=dt.time(21), quiet_end=dt.time(8))
    night = dt.datetime(2026, 11, 23, 23, 0, tzinfo=dt.UTC)
    outbox.enqueue(make_patient(name="Night Owl"), "Your results are in.", now=night)
    db.close()
    env = {
        **os.environ,
        "CLINICBOT_DATABASE_URL": url,
        "CLINICBOT_TIMEZONE": "UTC",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": FROM_NUMBER,
        "TWILIO_API_BASE_URL": fake_twilio.base_url,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "console.cli", "jobs", "run-once",
        "--now", night.isoformat(), "--max-seconds", "5",
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    summary = json.loads(out.decode().strip().splitlines()[-1])
    assert summary["dispatched"] == 0 and not fake_twilio.sent
    assert summary["queued"] == 1
    assert summary["next_attempt_at"] == "2026-11-24T08:00:00+00:00"
    assert summary["dispatch_seconds"] < 5  # it did not sit out its budget
