"""The shared inbox: chats waiting for a person, each with its thread.

A chat is in the inbox while it is flagged (the bot handed it to staff, or a
delivery failed). It is unread until staff open it, and again when the
patient writes after that or it is flagged anew (core.messaging.conversations).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from peewee import JOIN, fn

from core.clock import from_db
from core.errors import NotFound
from core.messaging.conversations import reply_route
from core.messaging.outbox import first_route, shown_body
from core.models import Conversation, Message, Patient, StaffUser
from core.policy import Policy
from core.storage.prepared import Prepared

SHOWS = ("open", "mine", "all")
LISTED = 200
THREAD = 100  # the latest messages of a thread
SNIPPET = 90  # characters of the patient's last message shown in the list


def _unread_count(flagged: bool, direction: str):
    wrote_since = Message.select(Message.id).where(
        Message.patient == Conversation.patient,
        Message.direction == direction,
        Message.created_at > Conversation.staff_seen_at,
    )
    return Conversation.select(fn.COUNT(Conversation.id)).where(
        (Conversation.flagged == flagged)
        & (Conversation.staff_seen_at.is_null() | fn.EXISTS(wrote_since))
    )


# Every staff page shows this count in the nav, so it is built once.
_UNREAD = Prepared(_unread_count)


def unread_count() -> int:
    """Flagged chats staff have not opened since the patient wrote or the flag."""
    row = _UNREAD.first(True, "in")
    return int(row[0]) if row else 0


def _latest_inbound():
    """The id of the chat's patient's latest message to us (a correlated subquery).

    Read backwards along (patient, created_at), it stops at the first inbound
    row: about half the time of grouping all of the patients' messages.
    """
    written = Message.alias()
    return (
        written.select(written.id)
        .where(written.patient == Conversation.patient, written.direction == "in")
        .order_by(written.created_at.desc(), written.id.desc())
        .limit(1)
    )


def _bodies(message_ids: list[int]) -> dict[int, tuple[str, dt.datetime]]:
    """{message id: (body, when)}."""
    if not message_ids:
        return {}
    rows = Message.select(Message.id, Message.body, Message.created_at).where(
        Message.id.in_(message_ids)
    )
    return {mid: (body, at) for mid, body, at in rows.tuples()}


def _snippet(body: str) -> str:
    line = " ".join(body.split())
    return line if len(line) <= SNIPPET else line[: SNIPPET - 1].rstrip() + "…"


def conversations(
    policy: Policy, show: str = "open", staff_id: int | None = None
) -> list[dict]:
    """The inbox, latest first: who, what they last wrote, why, who has it."""
    if show not in SHOWS:
        show = "open"
    query = (
        Conversation.select(
            Conversation.id,
            Conversation.channel,
            Conversation.address,
            Conversation.flagged,
            Conversation.flag_reason,
            Conversation.updated_at,
            Conversation.staff_seen_at,
            Conversation.assigned_to,
            Patient.id,
            Patient.name,
            StaffUser.email,
            _latest_inbound().alias("last_in"),
        )
        .join(Patient, JOIN.LEFT_OUTER, on=Conversation.patient == Patient.id)
        .join_from(
            Conversation,
            StaffUser,
            JOIN.LEFT_OUTER,
            on=Conversation.assigned_to == StaffUser.id,
        )
        .order_by(Conversation.updated_at.desc(), Conversation.id.desc())
        .limit(LISTED)
    )
    if show in ("open", "mine"):
        query = query.where(Conversation.flagged == True)  # noqa: E712
    if show == "mine":
        query = query.where(Conversation.assigned_to == staff_id)
    rows = list(query.tuples())
    last = _bodies([r[11] for r in rows if r[11] is not None])
    listed = []
    for row in rows:
        cid, channel, address, flagged, reason, updated, seen = row[:7]
        assignee, pid, name, email, last_in = row[7:]
        body, wrote = last.get(last_in, ("", None))
        activity = max(updated, wrote) if wrote else updated
        listed.append(
            {
                "id": cid,
                "channel": channel,
                "patient_id": pid,
                "patient": name or address,
                "flagged": flagged,
                "reason": reason or "",
                "snippet": _snippet(body),
                "at": from_db(activity).astimezone(policy.tz),
                "assigned_to": assignee,
                "assignee": email or "",
                "unread": flagged
                and (seen is None or (wrote is not None and wrote > seen)),
            }
        )
    return listed


# Delivery status of an outgoing message, as staff read it.
STATUS_WORDS = {
    "queued": "Waiting to be sent",
    "sending": "Sending",
    "sent": "Sent",
    "delivered": "Delivered",
    "undelivered": "Not delivered",
    "failed": "Failed",
    "not_sent": "Not sent",
}


def delivery_words(channel: str, status: str, error_text: str | None) -> str:
    """'Delivered', 'Shown in the simulator', 'Not sent: patient opted out of SMS'."""
    if channel == "console" and status == "sent":
        return "Shown in the simulator"
    words = STATUS_WORDS.get(status, status.replace("_", " ").capitalize())
    reason = (error_text or "").removeprefix("not sent: ").strip()
    if status in ("failed", "not_sent", "undelivered") and reason:
        return f"{words}: {reason}"
    return words


def _who(direction: str, kind: str) -> str:
    if direction == "in":
        return "patient"
    return {"staff": "staff", "reply": "bot"}.get(kind, "clinic")


def _reply_channel(patient_id: int | None, channel: str, address: str) -> str:
    """The channel a staff reply in this chat takes ("" when it cannot go)."""
    if patient_id is None:
        return channel if channel in ("sms", "whatsapp", "telegram", "console") else ""
    patient = Patient.get_by_id(patient_id)
    chat = SimpleNamespace(channel=channel, address=address)
    route = reply_route(patient, [chat]) or first_route(patient)
    return route[0] if route else ""


def thread(conversation_id: int, policy: Policy) -> dict:
    """One chat: its patient, where it stands, and its latest messages in order."""
    found = (
        Conversation.select(
            Conversation.id,
            Conversation.channel,
            Conversation.address,
            Conversation.language,
            Conversation.flagged,
            Conversation.flag_reason,
            Conversation.assigned_to,
            Patient.id,
            Patient.name,
            StaffUser.email,
        )
        .join(Patient, JOIN.LEFT_OUTER, on=Conversation.patient == Patient.id)
        .join_from(
            Conversation,
            StaffUser,
            JOIN.LEFT_OUTER,
            on=Conversation.assigned_to == StaffUser.id,
        )
        .where(Conversation.id == conversation_id)
        .tuples()
        .first()
    )
    if found is None:
        raise NotFound("That conversation does not exist.")
    cid, channel, address, lang, flagged, reason, assignee, pid, name, email = found
    messages = Message.select(
        Message.id,
        Message.created_at,
        Message.direction,
        Message.channel,
        Message.kind,
        Message.body,
        Message.status,
        Message.error_text,
    )
    if pid is not None:
        # The patient's whole story, whichever channel each message took.
        messages = messages.where(Message.patient == pid)
    else:
        messages = messages.where(
            Message.channel == channel, Message.address == address
        )
    rows = list(
        messages.order_by(Message.created_at.desc(), Message.id.desc())
        .limit(THREAD)
        .tuples()
    )
    rows.reverse()
    return {
        "id": cid,
        "channel": channel,
        "reply_channel": _reply_channel(pid, channel, address),
        "language": lang,
        "flagged": flagged,
        "reason": reason or "",
        "assigned_to": assignee,
        "assignee": email or "",
        "patient_id": pid,
        "patient": name or address,
        "messages": [
            {
                "id": mid,
                "at": from_db(at).astimezone(policy.tz),
                "who": _who(direction, kind),
                "channel": mchannel,
                "body": shown_body(kind, body),
                "status": (
                    delivery_words(mchannel, status, error)
                    if direction == "out"
                    else ""
                ),
            }
            for mid, at, direction, mchannel, kind, body, status, error in rows
        ],
    }
