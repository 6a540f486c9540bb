"""A dispatcher process killed mid-way loses no message and sends it once."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.dispatcher import Dispatcher
from bot.providers import senders_for
from core.clock import from_db
from core.messaging.delivery import LEASE
from core.models import Message
from tests.factories import make_patient

ROOT = Path(__file__).resolve().parents[2]

# Commits one queued message in the outbox, then dies before any dispatch.
ENQUEUE_THEN_DIE = """
    import datetime as dt, os, signal, sys
    from core.storage.db import open_database, write_transaction
    from core.models import Patient
    from core.messaging.outbox import enqueue

    open_database(sys.argv[1])
    now = dt.datetime.fromisoformat(sys.argv[2])
    with write_transaction():
        enqueue(Patient.get_by_id(int(sys.argv[3])), "See you at 9", now=now)
    os.kill(os.getpid(), signal.SIGKILL)
"""

# Claims the message (queued -> sending), then dies before the provider call.
CLAIM_THEN_DIE = """
    import asyncio, datetime as dt, os, signal, sys
    from bot.dispatcher import Dispatcher
    from core.storage.db import open_database
    from core.storage.gateway import Gateway

    class DieOnSend:
        channel = "sms"

        def rate_keys(self, out):
            return ()

        async def send(self, out):
            os.kill(os.getpid(), signal.SIGKILL)

        async def close(self):
            pass

    open_database(sys.argv[1])
    now = dt.datetime.fromisoformat(sys.argv[2])
    asyncio.run(Dispatcher(Gateway(), {"sms": DieOnSend()}).dispatch_due(now))
"""


def run_and_get_killed(script: str, *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == -signal.SIGKILL, result.stderr.decode()


@pytest.fixture
async def restarted(settings, gateway, now):
    """The dispatcher of the process that starts after the crash."""
    dispatcher = Dispatcher(gateway, senders_for(settings))
    yield dispatcher
    await dispatcher.close()


async def test_killed_between_commit_and_send(database, restarted, fake_twilio, now):
    patient = make_patient()
    run_and_get_killed(ENQUEUE_THEN_DIE, database, now.isoformat(), str(patient.id))

    [message] = Message.select()
    assert message.status == "queued"
    assert await restarted.dispatch_due(now) == 1
    assert await restarted.dispatch_due(now + dt.timedelta(hours=1)) == 0
    assert [r["Body"] for r in fake_twilio.sent] == ["See you at 9"]
    assert Message.get_by_id(message.id).status == "sent"


async def test_killed_after_claim_before_send(database, restarted, fake_twilio, now):
    patient = make_patient()
    run_and_get_killed(ENQUEUE_THEN_DIE, database, now.isoformat(), str(patient.id))
    run_and_get_killed(CLAIM_THEN_DIE, database, now.isoformat())

    [message] = Message.select()
    assert message.status == "sending" and message.attempts == 1
    # Until the dead claimer's lease runs out nobody else may send it.
    assert await restarted.dispatch_due(now + LEASE / 2) == 0
    lease_end = from_db(message.next_attempt_at)
    assert await restarted.dispatch_due(lease_end) == 1
    assert await restarted.dispatch_due(lease_end + dt.timedelta(hours=1)) == 0
    assert len(fake_twilio.sent) == 1
    row = Message.get_by_id(message.id)
    assert (row.status, row.attempts) == ("sent", 2)
