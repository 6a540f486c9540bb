"""Twilio delivery status callbacks written onto our outbound message rows."""

from __future__ import annotations

import datetime as dt
import logging

from bot.outbox_store import mark_unreachable
from core.clock import to_db
from core.models import Message
from core.storage.db import write_transaction

log = logging.getLogger(__name__)

# Twilio's queued/accepted/sending mean "Twilio has it", which our "sent"
# already says; writing "queued" back would hand the row to the dispatcher
# again. Later states only move forward: a late "sent" never undoes
# "delivered".
FINAL = ("delivered", "undelivered", "failed")
MAY_BECOME = {
    "sent": ("sending",),
    "delivered": ("sending", "sent"),
    "undelivered": ("sending", "sent"),
    "failed": ("sending", "sent"),
}
OPTED_OUT = "21610"


def _this_message(sid: str, message_id: int | None):
    if message_id is None:
        return Message.provider_id == sid
    same_sid = (Message.provider_id == sid) | Message.provider_id.is_null()
    return (Message.id == message_id) & same_sid


def record_delivery(
    sid: str,
    status: str,
    error_code: str | None,
    now: dt.datetime,
    message_id: int | None = None,
) -> bool:
    """Apply one callback; True when it changed the message.

    With our message id (from the callback URL) a callback that arrives
    before the dispatcher recorded the MessageSid still lands.
    """
    if status not in MAY_BECOME:
        log.debug("Twilio status %s for %s: nothing to record", status, sid)
        return False
    with write_transaction():
        changes = {"status": status}
        if error_code:
            changes["error_code"] = error_code
            changes["error_text"] = f"twilio {status}: error {error_code}"
        updated = (
            Message.update(**changes)
            .where(
                Message.channel == "sms",
                Message.direction == "out",
                _this_message(sid, message_id),
                Message.status.in_(MAY_BECOME[status]),
            )
            .execute()
        )
        if updated and error_code == OPTED_OUT:
            row = Message.get(_this_message(sid, message_id))
            if row.patient_id:
                mark_unreachable(row.patient_id, "sms", row.address, to_db(now))
    return bool(updated)
