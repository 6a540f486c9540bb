"""Three dispatchers (as three processes would) share one rate limit per number.

Each dispatcher has its own database thread and connection, its own Twilio
client and no memory of the others' sends: the only thing they share is the
database, as separate `serve` processes do. The fake Twilio API stamps each
message as it arrives; the steady rate after the first second's burst must be
the configured one, not three times it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt

from bot.dispatcher import Dispatcher
from bot.pacing import RateLimits
from bot.providers import senders_for
from core.messaging import outbox
from core.storage.db import write_transaction
from core.storage.gateway import Gateway
from tests.bot.conftest import make_settings
from tests.factories import make_patient, make_policy

RATE = 10.0  # texts per second from the clinic's one number
TEXTS = 60


async def test_three_dispatchers_send_within_10_percent_of_the_rate(
    database, fake_twilio
):
    make_policy()
    now = dt.datetime.now(dt.UTC)
    with write_transaction():
        for n in range(TEXTS):
            patient = make_patient(name=f"Rate Test {n}")
            outbox.enqueue(patient, "Your visit is confirmed.", now=now, urgent=True)
    settings = make_settings(
        database,
        twilio_api_base_url=fake_twilio.base_url,
        telegram_bot_token="",
        sms_rate=RATE,
    )
    gateways = [Gateway() for _ in range(3)]
    # Small batches, so each dispatcher takes its own rows round after round,
    # as web processes do with the replies they queue themselves.
    dispatchers = [
        Dispatcher(
            g,
            senders_for(settings),
            limits=RateLimits.from_settings(settings),
            batch=5,
        )
        for g in gateways
    ]
    tasks = [asyncio.create_task(d.run_forever()) for d in dispatchers]
    try:
        async with asyncio.timeout(30):
            while len(fake_twilio.sent) < TEXTS:
                await asyncio.sleep(0.05)
    finally:
        for dispatcher in dispatchers:
            dispatcher.stop()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for dispatcher in dispatchers:
            await dispatcher.close()
        for gateway in gateways:
            gateway.close()

    assert len(fake_twilio.sent) == TEXTS  # each text once
    assert len({text["To"] for text in fake_twilio.sent}) == TEXTS
    times = sorted(text["at"] for text in fake_twilio.sent)
    burst = int(RATE)  # the bucket holds one second's worth
    steady = (TEXTS - burst) / (times[-1] - times[0])
    assert steady <= RATE * 1.1, f"{steady:.1f} texts/s for a limit of {RATE}"
    assert steady >= RATE * 0.8, f"{steady:.1f} texts/s: pacing lost time"
