"""Another process holds SQLite's write lock longer than the busy timeout.

A backup, a sqlite3 shell or a stuck script can take the write lock for 20 s,
past the 15 s busy timeout and past Twilio's 15 s webhook timeout. Whatever
it does, every inbound SMS is stored exactly once and answered exactly once:
in the TwiML when the turn can run in time, otherwise by REST once the lock is
free; and no reply is recorded as sent unless it went out.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from core.models import Message
from tests.bot.conftest import channel_app, make_settings, twilio_post
from tests.factories import make_policy

SMS = "/webhooks/twilio/sms"
HOLD_SECONDS = 20
LOCKER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
connection.execute("ROLLBACK")
"""


def sms(n: int, body: str = "hi, I'd like to book a checkup") -> dict:
    return {
        "MessageSid": "SM" + f"{n:04d}".rjust(32, "e"),  # unlike the fake's sids
        "AccountSid": "AC" + "0" * 32,
        "From": f"+1555200{n:04d}",
        "To": "+15550009999",
        "Body": body,
        "NumMedia": "0",
    }


async def _answer(client, n: int, delay: float) -> tuple[int, str, float]:
    await asyncio.sleep(delay)
    began = time.monotonic()
    response = await twilio_post(client, SMS, sms(n))
    assert response.status == 200
    return n, await response.text(), time.monotonic() - began


async def _until(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        await asyncio.sleep(0.2)


async def test_20_sms_under_a_20_second_foreign_lock(sqlite_database, fake_twilio):
    path = sqlite_database.removeprefix("sqlite:///")
    assert Path(path).exists()
    make_policy()
    settings = make_settings(
        sqlite_database,
        twilio_api_base_url=fake_twilio.base_url,
        telegram_bot_token="",
        sms_rate=0,  # the test is about the lock, not pacing
    )
    app = channel_app(settings, lambda: dt.datetime.now(dt.UTC))
    async with TestClient(TestServer(app)) as client:
        before = await _answer(client, 1, 0)
        assert "<Message>" in before[1]
        locker = subprocess.Popen(
            [sys.executable, "-c", LOCKER, path, str(HOLD_SECONDS)],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert locker.stdout.readline().strip() == "locked"
            locked_at = time.monotonic()
            during = await asyncio.gather(
                *(_answer(client, 100 + i, i * 0.2) for i in range(20))
            )
            began = time.monotonic()
            health = await client.get("/health")  # the loop kept serving
            health_seconds = time.monotonic() - began
            await asyncio.to_thread(locker.wait, HOLD_SECONDS + 10)
        finally:
            locker.kill()
            locker.stdout.close()
        held = time.monotonic() - locked_at
        await _until(lambda: len(fake_twilio.sent) >= 20, timeout=30)
        after = await _answer(client, 2, 0)
    assert held >= HOLD_SECONDS - 1
    assert health.status == 200 and health_seconds < 2
    assert "<Message>" in after[1]

    # Every answer within Twilio's 15 s; under the lock, an empty TwiML.
    assert max(seconds for _n, _text, seconds in during) < 12
    assert all("<Message>" not in text for _n, text, _s in during)
    # Stored exactly once each.
    inbound = Message.select().where(Message.direction == "in")
    assert sorted(m.provider_id for m in inbound) == sorted(
        sms(n)["MessageSid"] for n in [1, 2, *range(100, 120)]
    )
    # Answered exactly once each, by REST, and recorded as sent only so.
    rest = {}
    for text in fake_twilio.sent:
        rest.setdefault(text["To"], []).append(text["Body"])
    for n in range(100, 120):
        phone = sms(n)["From"]
        out = list(
            Message.select().where(Message.direction == "out", Message.address == phone)
        )
        assert out and all(m.status == "sent" and m.provider_id for m in out)
        assert sorted(rest.get(phone, [])) == sorted(m.body for m in out)
    # The TwiML answers before and after are the only inline "sent" rows.
    inline = Message.select().where(
        Message.direction == "out",
        Message.status == "sent",
        Message.provider_id.is_null(),
    )
    assert {m.address for m in inline} == {sms(1)["From"], sms(2)["From"]}
