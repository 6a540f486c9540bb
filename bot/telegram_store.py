"""Telegram's database side: short answers outside the dialog, blocked chats."""

from __future__ import annotations

import datetime as dt
import logging

from peewee import IntegrityError

from bot.outbox_store import mark_unreachable
from core.clock import to_db
from core.messaging.outbox import enqueue
from core.models import Message, Patient
from core.storage.db import write_transaction

log = logging.getLogger(__name__)


def answer_outside_dialog(
    chat_id: str,
    update_id: str,
    note: str,
    answer: str | None,
    now: dt.datetime,
) -> bool:
    """Record an update the dialog does not read and queue a short answer.

    The inbound row's unique (channel, provider_id) makes a redelivered
    update a no-op, exactly as the dialog treats one. False when redelivered.
    """
    at = to_db(now)
    patient = Patient.get_or_none(Patient.telegram_chat_id == chat_id)
    try:
        with write_transaction():
            Message.create(
                direction="in",
                channel="telegram",
                address=chat_id,
                patient=patient,
                kind="inbound",
                body=note,
                provider_id=update_id,
                status="received",
                created_at=at,
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
    """Queue one more reply in this chat (e.g. the share-phone button)."""
    patient = Patient.get_or_none(Patient.telegram_chat_id == chat_id)
    with write_transaction():
        _queue(chat_id, patient, text, choices, now)


def _queue(chat_id, patient, text, choices, now: dt.datetime) -> None:
    enqueue(
        patient,
        text,
        now=now,
        kind="reply",
        choices=tuple(choices),
        channel="telegram",
        address=chat_id,
    )


def needs_phone(chat_id: str) -> bool:
    """Whether this chat's patient has no phone number yet (so could share one)."""
    patient = Patient.get_or_none(Patient.telegram_chat_id == chat_id)
    return patient is not None and not patient.phone


def set_blocked(chat_id: str, blocked: bool, now: dt.datetime) -> None:
    """The patient blocked (or unblocked) the bot; staff hear of a block."""
    with write_transaction():
        patient = Patient.get_or_none(Patient.telegram_chat_id == chat_id)
        if patient is None or patient.telegram_blocked == blocked:
            return
        if blocked:
            mark_unreachable(patient.id, "telegram", chat_id, to_db(now))
        else:
            Patient.update(telegram_blocked=False).where(
                Patient.id == patient.id
            ).execute()
