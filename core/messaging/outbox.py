"""The outbox: outbound messages are rows written in the causing transaction.

A dispatcher (bot/dispatcher.py) sends queued rows afterwards, so a crash
between commit and send loses nothing.
"""

from __future__ import annotations

import datetime as dt
import json

from core.clock import to_db
from core.models import Message, Patient


def preferred_channel(patient: Patient) -> tuple[str, str] | None:
    """(channel, address) the patient can be reached on, Telegram first."""
    if patient.telegram_chat_id and not patient.telegram_blocked:
        return "telegram", patient.telegram_chat_id
    if patient.phone and not patient.sms_opt_out:
        return "sms", patient.phone
    return None


def enqueue(
    patient: Patient | None,
    body: str,
    *,
    now: dt.datetime,
    kind: str = "notice",
    appointment_id: int | None = None,
    urgent: bool = False,
    choices: tuple[tuple[str, str], ...] = (),
    channel: str | None = None,
    address: str | None = None,
) -> Message:
    """Queue one message to a patient; unreachable patients get a not_sent row.

    patient may be None for a chat we do not know yet, given channel and address.
    """
    route = (channel, address) if channel and address else preferred_channel(patient)
    fields = {
        "direction": "out",
        "patient": patient.id if patient else None,
        "appointment": appointment_id,
        "kind": kind,
        "body": body,
        "choices": json.dumps([list(c) for c in choices]) if choices else "",
        "urgent": urgent,
        "created_at": to_db(now),
    }
    if route is None:
        return Message.create(
            **fields,
            channel="none",
            address="",
            status="not_sent",
            error_text="patient has opted out or cannot be reached",
        )
    return Message.create(
        **fields,
        channel=route[0],
        address=route[1],
        status="queued",
        next_attempt_at=to_db(now),
    )
