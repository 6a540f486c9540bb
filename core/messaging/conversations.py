"""The conversation row per (channel, address): where a patient's chat stands.

The one writer of `conversation`. Its state and data belong to the dialog
(core.dialog.states) and are opaque here, so callers say which states are
mid-flow. A flagged row is in the staff's inbox until someone resolves it;
the inbox's columns (assigned_to, staff_seen_at) are written here too, and a
new flag makes the chat unread again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from peewee import EXCLUDED

from core import audit
from core.clock import to_db
from core.errors import NotFound
from core.messaging.outbox import first_route, open_channels
from core.models import Conversation, Patient
from core.storage.prepared import Prepared, PreparedInsert, PreparedUpdate

MAX_REASON = 255

_OPEN = PreparedInsert(
    Conversation, "channel", "address", "patient", "state", "data", "language",
    "misunderstood", "flagged", "flag_reason", "updated_at",
)  # fmt: skip
_TURN = ("patient", "state", "data", "language", "misunderstood", "updated_at")


def _row(row_id: int):
    return Conversation.id == row_id


_SAVE = PreparedUpdate(Conversation, *_TURN, where=_row)
_SAVE_FLAGGED = PreparedUpdate(
    Conversation,
    *_TURN,
    "flagged",
    "flag_reason",
    "staff_seen_at",
    where=_row,
)
_FLAG = PreparedUpdate(
    Conversation,
    "flagged",
    "flag_reason",
    "staff_seen_at",
    where=lambda channel, address: (
        (Conversation.channel == channel) & (Conversation.address == address)
    ),
)
_RESOLVE = PreparedUpdate(
    Conversation,
    "flagged",
    "flag_reason",
    "misunderstood",
    where=_row,
)
_CONTEXT = (
    "channel", "address", "patient", "state", "data", "language", "misunderstood",
    "flagged", "updated_at",
)  # fmt: skip
_CONTEXT_FIELDS = [getattr(Conversation, name) for name in _CONTEXT]


def _upsert(*args):
    """A context row for (channel, address), unless its patient is mid-flow."""
    values, mid_flow, idle_before = args[:-2], args[-2], args[-1]
    # A new row is flagged as given (never); an existing row keeps its flag.
    replaced = ("patient", "state", "data", "misunderstood", "updated_at")
    return Conversation.insert(
        dict(zip(_CONTEXT_FIELDS, values, strict=True))
    ).on_conflict(
        conflict_target=[Conversation.channel, Conversation.address],
        update={
            field: getattr(EXCLUDED, field.column_name)
            for field in (getattr(Conversation, name) for name in replaced)
        },
        where=Conversation.state.not_in(mid_flow)
        | (Conversation.updated_at < idle_before),
    )


_UPSERT_CONTEXT = Prepared(_upsert)


def start(
    channel: str,
    address: str,
    now: dt.datetime,
    *,
    patient_id: int | None,
    state: str,
    data: str,
    language: str,
    misunderstood: int = 0,
    flag: str | None = None,
) -> int:
    """The first row of a chat; its id."""
    return _OPEN.insert(
        channel=channel,
        address=address,
        patient=patient_id,
        state=state,
        data=data,
        language=language,
        misunderstood=misunderstood,
        flagged=flag is not None,
        flag_reason=flag[:MAX_REASON] if flag else None,
        updated_at=to_db(now),
    )


def save_turn(
    conversation_id: int,
    now: dt.datetime,
    *,
    patient_id: int,
    state: str,
    data: str,
    language: str,
    misunderstood: int,
    flag: str | None = None,
) -> None:
    """Where the chat stands after a turn; a flag puts it in the staff's inbox."""
    values = {
        "patient": patient_id,
        "state": state,
        "data": data,
        "language": language,
        "misunderstood": misunderstood,
        "updated_at": to_db(now),
    }
    if flag is None:
        _SAVE.apply(values, conversation_id)
    else:
        flagged = {
            "flagged": True,
            "flag_reason": flag[:MAX_REASON],
            "staff_seen_at": None,  # unread again: staff must look at the new flag
        }
        _SAVE_FLAGGED.apply(values | flagged, conversation_id)


def flag(channel: str, address: str, reason: str) -> bool:
    """Put the chat in the staff's inbox; False if there is no such chat yet."""
    values = {
        "flagged": True,
        "flag_reason": reason[:MAX_REASON],
        "staff_seen_at": None,
    }
    return _FLAG.apply(values, channel, address) > 0


def flag_or_start(
    channel: str,
    address: str,
    reason: str,
    now: dt.datetime,
    *,
    patient_id: int | None = None,
    language: str = "en",
    state: str = "start",
) -> None:
    """Flag the chat, starting it (in state) if the patient never wrote."""
    if not flag(channel, address, reason):
        start(
            channel,
            address,
            now,
            patient_id=patient_id,
            state=state,
            data="{}",
            language=language,
            flag=reason,
        )


def inbox_route(patient: Patient) -> tuple[str, str]:
    """The chat staff should see for a patient: where we reach them, else any."""
    route = first_route(patient)
    if route is not None:
        return route
    if patient.phone:
        return "sms", patient.phone
    if patient.telegram_chat_id:
        return "telegram", patient.telegram_chat_id
    return "none", f"patient:{patient.id}"


def reply_route(patient: Patient, chats) -> tuple[str, str] | None:
    """Where a staff reply goes: the first of these chats still open, else None.

    A reply belongs in the chat the patient wrote in: a simulator or
    `clinicbot chat` patient ("console") reads it there, not by SMS.
    """
    reachable = open_channels(patient)
    for chat in chats:
        if chat.channel == "console" or reachable.get(chat.channel) == chat.address:
            return chat.channel, chat.address
    return None


def flag_patient(
    patient: Patient,
    reason: str,
    now: dt.datetime,
    appointment_id: int | None = None,
) -> None:
    """Put the patient's chat in the staff's inbox, and say so in the audit log."""
    channel, address = inbox_route(patient)
    flag_or_start(
        channel,
        address,
        reason,
        now,
        patient_id=patient.id,
        language=patient.language or "en",
    )
    audit.record(
        audit.SYSTEM,
        "flag",
        now,
        appointment_id=appointment_id,
        patient_id=patient.id,
        reason=reason,
    )


def resolve(
    conversation_id: int,
    actor: audit.Actor | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Staff handled it: unflag and reset the bot's confusion counter.

    Given an actor (and now), who marked it done goes to the audit log.
    """
    values = {"flagged": False, "flag_reason": None, "misunderstood": 0}
    if not _RESOLVE.apply(values, conversation_id):
        raise NotFound("That conversation does not exist.")
    if actor is not None and now is not None:
        _audit(actor, "inbox.done", now, conversation_id)


def _audit(
    actor: audit.Actor, action: str, now: dt.datetime, conversation_id: int, **detail
) -> None:
    patient_id = (
        Conversation.select(Conversation.patient)
        .where(Conversation.id == conversation_id)
        .scalar()
    )
    audit.record(
        actor,
        action,
        now,
        patient_id=patient_id,
        conversation_id=conversation_id,
        **detail,
    )


def assign(
    conversation_id: int, staff_id: int | None, actor: audit.Actor, now: dt.datetime
) -> None:
    """Hand the chat to a staff member (None: to nobody), in the audit log."""
    changed = (
        Conversation.update(assigned_to=staff_id)
        .where(Conversation.id == conversation_id)
        .execute()
    )
    if not changed:
        raise NotFound("That conversation does not exist.")
    if staff_id is None:
        _audit(actor, "inbox.unassign", now, conversation_id)
    else:
        _audit(actor, "inbox.assign", now, conversation_id, staff_id=staff_id)


def mark_seen(conversation_id: int, now: dt.datetime) -> bool:
    """Staff opened the chat: read until the patient writes again or it is flagged."""
    return bool(
        Conversation.update(staff_seen_at=to_db(now))
        .where(Conversation.id == conversation_id)
        .execute()
    )


def mark_unread(conversation_id: int) -> None:
    """Show the chat as unread again (a reminder to come back to it)."""
    changed = (
        Conversation.update(staff_seen_at=None)
        .where(Conversation.id == conversation_id)
        .execute()
    )
    if not changed:
        raise NotFound("That conversation does not exist.")


def open_contexts(
    rows: Sequence[dict], *, mid_flow: Collection[str], idle_before: dt.datetime
) -> None:
    """Write context rows (keys as _CONTEXT), one per (channel, address).

    A patient in one of the mid_flow states, active since idle_before, keeps
    their place: overwriting it would make their next "1" answer this text
    instead of the question they are looking at.
    """
    states, idle = sorted(mid_flow), to_db(idle_before)
    _UPSERT_CONTEXT.many(
        (*(row[name] for name in _CONTEXT), states, idle) for row in rows
    )


def expire_idle(
    *,
    states: Collection[str],
    idle_before: dt.datetime,
    since: dt.datetime,
    to_state: str,
    data: str,
) -> int:
    """Move chats in these states, idle since before idle_before, to to_state."""
    return (
        Conversation.update(
            {
                Conversation.state: to_state,
                Conversation.data: data,
                Conversation.misunderstood: 0,
            }
        )
        .where(
            Conversation.updated_at < to_db(idle_before),
            Conversation.updated_at >= to_db(since),
            Conversation.state.in_(sorted(states)),
        )
        .execute()
    )
