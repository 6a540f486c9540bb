"""What a channel records outside a dialog turn: a short answer, one more reply.

A sticker, an empty SMS or an over-long text is not a dialog message, but
it is still stored (so a redelivery is ignored, as the dialog ignores one,
and the transcript shows it) and answered.
"""

from __future__ import annotations

import datetime as dt

from peewee import IntegrityError

from core.messaging import outbox, patients
from core.messaging.inbound import Reply
from core.storage.db import write_transaction


def answer_outside_dialog(
    channel: str,
    address: str,
    provider_id: str,
    note: str,
    answer: str | None,
    now: dt.datetime,
    *,
    deliver: str = "outbox",
) -> list[Reply]:
    """Record a message the dialog does not read (a sticker, an empty or long SMS).

    Its answer is queued (deliver="outbox") or returned to go in the HTTP
    response and recorded as sent ("inline"). The inbound row's unique
    (channel, provider_id) makes a redelivery a no-op: nothing is returned
    and nothing answered twice.
    """
    patient = patients.by_address(channel, address)
    patient_id = patient.id if patient else None
    replies = [Reply(answer)] if answer else []
    try:
        with write_transaction():
            outbox.record_inbound(
                channel, address, note, now, provider_id=provider_id,
                patient_id=patient_id,
            )  # fmt: skip
            if deliver == "inline":
                outbox.record_replies(
                    replies, channel, address, patient_id, now, sent=True
                )
            elif answer:
                _queue(channel, address, patient, answer, (), now)
    except IntegrityError:
        return []
    return replies if deliver == "inline" else []


def queue_reply(
    chat_id: str,
    text: str,
    now: dt.datetime,
    choices: tuple[tuple[str, str], ...] = (),
) -> None:
    """Queue one more reply in this Telegram chat (e.g. the share-phone button)."""
    patient = patients.by_chat(chat_id)
    with write_transaction():
        _queue("telegram", chat_id, patient, text, choices, now)


def _queue(channel, address, patient, text, choices, now: dt.datetime) -> None:
    outbox.enqueue(
        patient,
        text,
        now=now,
        kind="reply",
        choices=tuple(choices),
        channel=channel,
        address=address,
    )
