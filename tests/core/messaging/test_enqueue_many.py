"""Queuing many messages at once: the rows enqueue would write, in order."""

from __future__ import annotations

import datetime as dt

import pytest

from core.messaging.outbox import enqueue, enqueue_many
from core.models import Message
from core.storage import prepared
from tests.factories import make_patient

pytestmark = pytest.mark.postgres
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def _stored(message: Message) -> tuple:
    row = Message.get_by_id(message.id)
    return (row.patient_id, row.channel, row.address, row.status, row.body,
            row.choices, row.kind)  # fmt: skip


def test_each_row_is_what_enqueue_would_write_and_ids_match(database, monkeypatch):
    # Smaller batches than the default, so several round trips are exercised.
    monkeypatch.setattr(prepared, "PG_BATCH", 7)
    texting = [make_patient() for _ in range(30)]
    opted_out = make_patient(sms_opt_out=True)
    on_telegram = make_patient(telegram_chat_id="4242")
    patients = [*texting, opted_out, on_telegram]
    requests = [
        {"patient": p, "body": f"Reminder {n}", "choices": (("Confirm", "1"),)}
        for n, p in enumerate(patients)
    ]
    queued = enqueue_many(requests, now=NOW, kind="reminder")
    alone = enqueue(texting[0], "Reminder 0", now=NOW, kind="reminder",
                    choices=(("Confirm", "1"),))  # fmt: skip

    assert [m.patient_id for m in queued] == [p.id for p in patients]
    assert len({m.id for m in queued}) == len(patients)
    assert [_stored(m) for m in queued][0] == _stored(alone)
    for message in queued:  # what the caller holds is what was stored
        assert _stored(message) == (
            message.patient_id, message.channel, message.address, message.status,
            message.body, message.choices, message.kind,
        )  # fmt: skip
    assert queued[30].status == "not_sent" and queued[30].channel == "none"
    assert (queued[31].channel, queued[31].address) == ("telegram", "4242")
    assert all(m.status == "queued" for m in queued[:30])


def test_nothing_to_queue_writes_nothing(database):
    assert enqueue_many([], now=NOW, kind="reminder") == []
    assert not Message.select().exists()
