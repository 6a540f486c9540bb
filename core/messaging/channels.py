"""What a channel records outside a dialog turn: a short answer, one more reply.

A sticker or an over-long text is not a dialog message, but it is still
stored (so a redelivery is ignored, as the dialog ignores one) and answered.
"""

from __future__ import annotations

import datetime as dt

from peewee import IntegrityError

from core.messaging import outbox, patients
from core.storage.db import write_transaction


def answer_outside_dialog(
    chat_id: str,
    update_id: str,
    note: str,
    answer: str | None,
    now: dt.datetime,
) -> bool:
    """Record a Telegram update the dialog does not read and queue a short answer.

    The inbound row's unique (channel, provider_id) makes a redelivered
    update a no-op. False when redelivered.
    """
    patient = patients.by_chat(chat_id)
    try:
        with write_transaction():
            outbox.record_inbound(
                "telegram",
                chat_id,
                note,
                now,
                provider_id=update_id,
                patient_id=patient.id if patient else None,
            )
            if answer:
                _queue(chat_id, patient, answer, (), now)
    except IntegrityError:
        return False
    return True


def queue_reply(
    chat_id: str,
    text: str,
    now: dt.datetime,
    choices: tuple[tuple[str, str], ...] = (),
) -> None:
    """Queue one more reply in this Telegram chat (e.g. the share-phone button)."""
    patient = patients.by_chat(chat_id)
    with write_transaction():
        _queue(chat_id, patient, text, choices, now)


def _queue(chat_id, patient, text, choices, now: dt.datetime) -> None:
    outbox.enqueue(
        patient,
        text,
        now=now,
        kind="reply",
        choices=tuple(choices),
        channel="telegram",
        address=chat_id,
    )
