"""/health/live, /health/ready and /metrics against the running app.

The metrics are read back with prometheus-client's own parser, so the body
is valid exposition format, and checked to move with real work: an SMS turn,
a Telegram reply sent to the fake Bot API, a wrong password, a scheduler tick.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt

import pytest
from prometheus_client.parser import text_string_to_metric_families

from console import scheduling
from console.app import create_app
from core import audit
from core.clinic import booking
from core.policy import load_policy
from core.settings import Settings
from core.storage.db import db
from tests.bot.conftest import channel_app, make_settings, twilio_post
from tests.console.conftest import FakeClock, login
from tests.factories import make_doctor, make_patient, make_policy

TOKEN = "metrics-token-0123456789"


def samples(body: str) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} from a Prometheus text body."""
    found = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def scrape(client, **headers) -> dict:
    response = await client.get("/metrics", headers=headers)
    assert response.status == 200, await response.text()
    assert response.headers["Content-Type"].startswith("text/plain")
    return samples(await response.text())


@pytest.fixture
async def sms_client(aiohttp_client, database, fake_twilio, fake_telegram):
    make_policy()
    settings = make_settings(
        database,
        twilio_api_base_url=fake_twilio.base_url,
        telegram_api_base_url=fake_telegram.base_url,
    )
    now = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)
    return await aiohttp_client(channel_app(settings, lambda: now))


async def test_live_answers_without_the_database(sms_client):
    response = await sms_client.get("/health/live")
    assert response.status == 200 and (await response.json())["status"] == "ok"


async def test_ready_checks_database_and_migrations(sms_client, database):
    response = await sms_client.get("/health/ready")
    body = await response.json()
    assert response.status == 200, body
    assert body["checks"] == {"database": "ok", "migrations": "ok"}
    # A migration the database has not recorded: not ready until it is applied.
    db.execute_sql("DELETE FROM schema_migration WHERE name = '0006_login_throttle'")
    response = await sms_client.get("/health/ready")
    assert response.status == 503
    assert (await response.json())["checks"]["migrations"] == "pending: 1"


async def test_ready_wants_a_fresh_scheduler_heartbeat(
    aiohttp_client, sqlite_database, monkeypatch
):
    monkeypatch.setattr(scheduling, "FIRST_TICK_DELAY", dt.timedelta(hours=1))
    make_policy()
    clock = FakeClock(dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC))
    app = create_app(
        Settings(database_url=sqlite_database, demo=True), "scheduler", clock=clock
    )
    client = await aiohttp_client(app)
    assert (await client.get("/health/ready")).status == 200  # just started
    clock.advance(minutes=4)  # no tick for four minutes
    response = await client.get("/health/ready")
    assert response.status == 503
    assert (await response.json())["checks"]["scheduler"] == "stale"
    before = await scrape(client)
    await scheduling.tick(app, app[scheduling.TICK_STATE])
    assert (await client.get("/health/ready")).status == 200
    after = await scrape(client)
    ticks = ("clinicbot_scheduler_tick_seconds_count", ())
    assert after[ticks] == before[ticks] + 1
    last = after[("clinicbot_scheduler_last_success_timestamp_seconds", ())]
    assert abs(last - dt.datetime.now(dt.UTC).timestamp()) < 60


async def test_metrics_move_with_an_sms_turn_and_a_telegram_reply(
    sms_client, fake_telegram
):
    before = await scrape(sms_client)
    response = await twilio_post(
        sms_client,
        "/webhooks/twilio/sms",
        {"MessageSid": "SM" + "c" * 32, "From": "+15557770001", "Body": "hola"},
    )
    assert response.status == 200
    update = {
        "update_id": 7001,
        "message": {
            "message_id": 1,
            "date": 1_790_000_000,
            "chat": {"id": 4242, "type": "private"},
            "from": {"id": 4242, "is_bot": False, "first_name": "Ana"},
            "text": "hi",
        },
    }
    secret = {"X-Telegram-Bot-Api-Secret-Token": "webhook-secret-123"}
    assert (
        await sms_client.post("/webhooks/telegram", json=update, headers=secret)
    ).status == 200
    sent = ("clinicbot_outbox_sent_total", (("channel", "telegram"),))
    async with asyncio.timeout(5):  # the background dispatcher sends the reply
        while (after := await scrape(sms_client))[sent] == before[sent]:
            await asyncio.sleep(0.02)

    def moved(name, **labels):
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert moved("clinicbot_inbound_messages_total", channel="sms") == 1
    assert moved("clinicbot_inbound_messages_total", channel="telegram") == 1
    assert moved("clinicbot_turn_seconds_count", channel="sms") == 1
    assert moved("clinicbot_outbox_sent_total", channel="telegram") >= 1
    assert fake_telegram.sent()
    queued = ("clinicbot_outbox_queued", (("channel", "telegram"),))
    assert after[queued] == 0  # read from the database at scrape time
    body = await (await sms_client.get("/metrics")).text()
    # Names and labels only: a sample's value (a timestamp) may hold any digits.
    words = "\n".join(
        line if line.startswith("#") else line.rsplit(" ", 1)[0]
        for line in body.splitlines()
    )
    assert "+15557770001" not in words and "4242" not in words
    assert "Ana" not in words


async def test_failed_logins_are_counted(aiohttp_client, database, clinic, clock):
    settings = Settings(database_url=database, secret_key="test-secret-key-0123456789")
    client = await aiohttp_client(create_app(settings, role="web", clock=clock))
    before = await scrape(client)
    assert (await login(client, "staff", password="wrong password!")).status == 401
    after = await scrape(client)
    key = ("clinicbot_failed_logins_total", (("reason", "wrong_password"),))
    assert after[key] == before[key] + 1


async def test_metrics_are_for_loopback_or_the_token_only(
    aiohttp_client, database, fake_twilio, fake_telegram
):
    make_policy()
    base = make_settings(database, telegram_bot_token="")
    open_client = await aiohttp_client(create_app(base, role="web"))
    proxied = await open_client.get("/metrics", headers={"X-Forwarded-For": "1.2.3.4"})
    assert proxied.status == 403  # through a proxy: not a local caller
    assert (await open_client.get("/metrics")).status == 200

    locked = dataclasses.replace(base, metrics_token=TOKEN)
    client = await aiohttp_client(create_app(locked, role="web"))
    for headers in ({}, {"Authorization": "Bearer wrong-token-0123456789"}):
        assert (await client.get("/metrics", headers=headers)).status == 403
    await scrape(client, Authorization=f"Bearer {TOKEN}")


async def test_reminder_lag_is_observed_when_a_reminder_goes(
    aiohttp_client, database, fake_twilio, monkeypatch
):
    monkeypatch.setattr(scheduling, "FIRST_TICK_DELAY", dt.timedelta(hours=1))
    make_policy(timezone="UTC")
    visit = dt.datetime(2026, 11, 24, 12, tzinfo=dt.UTC)
    booking.book(
        patient_id=make_patient(name="Lag Test").id,
        doctor_id=make_doctor().id,
        start=visit,
        policy=load_policy(),
        now=visit - dt.timedelta(days=3),
        actor=audit.SYSTEM,
    )
    settings = make_settings(
        database, twilio_api_base_url=fake_twilio.base_url, telegram_bot_token=""
    )
    clock = FakeClock(visit - dt.timedelta(hours=3))
    app = create_app(settings, "all", clock=clock)
    client = await aiohttp_client(app)
    before = await scrape(client)
    await scheduling.tick(app, app[scheduling.TICK_STATE])
    lag = ("clinicbot_reminder_lag_seconds_count", ())
    async with asyncio.timeout(5):
        while (after := await scrape(client))[lag] == before[lag]:
            await asyncio.sleep(0.02)
    assert after[lag] == before[lag] + 1 and len(fake_twilio.sent) == 1
    sent = ("clinicbot_outbox_sent_total", (("channel", "sms"),))
    assert after[sent] == before[sent] + 1
