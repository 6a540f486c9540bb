"""Logs carry ids, never health data: no phone number, name or message body.

Whole conversations run through the real app (SMS and Telegram webhooks, the
dispatcher, a staff search in the console) with every logger at DEBUG and
aiohttp's access log on; then every line, in both formats, is searched for
what the patients wrote and who they are.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging

import pytest
from aiohttp.test_utils import TestServer

from console.app import create_app
from console.keys import DISPATCHER
from console.logs import AccessLogger, JsonFormatter, keep_health_data_out
from core.messaging import outbox
from core.models import Message, Patient
from core.settings import Settings
from core.staff.accounts import create_staff
from tests.bot import telegram_payloads as tg
from tests.bot.conftest import channel_app, make_settings, twilio_post
from tests.factories import make_policy

PHONE = "+15557770042"
SECRETS = [
    "5557770042",  # the SMS patient's number, in any format
    "Marisol",
    "Quintanilla",
    "chest pain since tuesday",
    "Ana",  # the Telegram user's first name
    "García",
    "5001",  # the Telegram chat id
    "dolor de cabeza",
]
SMS_TEXTS = [
    "hi",
    "Marisol Quintanilla",
    "yes",
    "chest pain since tuesday",
    "book",
    "asdfgh zzz",
    "qwerty uiop",
]


async def logged_server(app) -> TestServer:
    """A test server writing aiohttp's access log with `serve`'s AccessLogger."""
    server = TestServer(app)
    await server.start_server(access_log_class=AccessLogger)
    return server


@pytest.fixture
def json_lines():
    """Every record also formatted as JSON, as CLINICBOT_LOG_FORMAT=json writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


async def test_no_health_data_in_any_log_line(
    aiohttp_client, database, fake_twilio, fake_telegram, caplog, json_lines, now
):
    caplog.set_level(logging.DEBUG)  # as `clinicbot -v` runs
    keep_health_data_out()  # what `clinicbot` configures at start
    make_policy()
    create_staff("staff@clinic.test", "correct horse battery", "staff", rounds=4)
    settings = make_settings(
        database,
        twilio_api_base_url=fake_twilio.base_url,
        telegram_api_base_url=fake_telegram.base_url,
    )
    client = await aiohttp_client(
        await logged_server(channel_app(settings, lambda: now))
    )
    for n, body in enumerate(SMS_TEXTS):
        sid = "SM" + f"{n:04d}".rjust(32, "d")
        params = {"MessageSid": sid, "From": PHONE, "Body": body}
        assert (await twilio_post(client, "/webhooks/twilio/sms", params)).status == 200
    secret = {"X-Telegram-Bot-Api-Secret-Token": "webhook-secret-123"}
    for n, body in enumerate(["/start", "dolor de cabeza", "menu"]):
        update = tg.text(8000 + n, body)
        response = await client.post("/webhooks/telegram", json=update, headers=secret)
        assert response.status == 200
    # A text the clinic starts goes by Twilio's REST API, through the dispatcher.
    patient = Patient.get(Patient.phone == PHONE)
    outbox.enqueue(patient, "Marisol, your results are in.", now=now)
    client.app[DISPATCHER].wake()
    async with asyncio.timeout(5):  # the replies to Telegram go by the outbox too
        while not (fake_telegram.sent() and fake_twilio.sent):
            await asyncio.sleep(0.02)
    # The console over plain http (the channel app's cookies are https-only).
    console_app = create_app(
        Settings(database_url=database, secret_key="k" * 32), "web"
    )
    console = await aiohttp_client(await logged_server(console_app))
    page = await console.get("/login")
    token = (await page.text()).split('name="csrf" value="')[1].split('"')[0]
    await console.post(
        "/login",
        data={
            "email": "staff@clinic.test",
            "password": "correct horse battery",
            "csrf": token,
        },
    )
    search = await console.get("/patients", params={"q": "Quintanilla"})
    assert "Marisol Quintanilla" in await search.text()  # the data is there...
    assert Message.select().where(Message.body == "chest pain since tuesday").exists()

    lines = [r.getMessage() for r in caplog.records]
    lines += [
        logging.Formatter().formatException(r.exc_info)
        for r in caplog.records
        if r.exc_info
    ]
    assert any("/patients" in line for line in lines)  # the access log ran
    assert any("sms" in line for line in lines)
    for line in lines + json_lines.getvalue().splitlines():
        for secret_text in SECRETS:
            assert secret_text not in line, (
                f"{secret_text!r} logged: {line}"
            )  # ...not in logs


async def test_json_lines_carry_request_channel_and_conversation_ids(
    aiohttp_client, database, fake_twilio, fake_telegram, json_lines, now, caplog
):
    caplog.set_level(logging.DEBUG)
    make_policy()
    settings = make_settings(database, telegram_bot_token="")
    client = await aiohttp_client(channel_app(settings, lambda: now))
    for n, body in enumerate(["hi", "hi again"]):
        params = {"MessageSid": f"SM{n:032d}", "From": PHONE, "Body": body}
        await twilio_post(
            client, "/webhooks/twilio/sms", params, headers={"X-Request-ID": f"req-{n}"}
        )
    redelivered = {"MessageSid": f"SM{1:032d}", "From": PHONE, "Body": "hi again"}
    response = await twilio_post(
        client,
        "/webhooks/twilio/sms",
        redelivered,
        headers={"X-Request-ID": "req-again"},
    )
    assert response.headers["X-Request-ID"] == "req-again"
    entries = [json.loads(line) for line in json_lines.getvalue().splitlines()]
    assert all({"time", "level", "logger", "message"} <= e.keys() for e in entries)
    [ignored] = [e for e in entries if "redelivered" in e["message"]]
    assert ignored["request_id"] == "req-again"
    assert ignored["channel"] == "sms"
    assert isinstance(ignored["conversation_id"], int)
    bogus = await client.get("/health", headers={"X-Request-ID": "x forged <line>"})
    assert len(bogus.headers["X-Request-ID"]) == 32  # replaced, not echoed
