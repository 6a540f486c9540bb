"""Every message in and out, and the outbox: the one writer of `message`.

Outbound rows are written in the transaction of the change that caused them
(a booking, a reminder, a staff reply) and sent afterwards by the dispatcher
(core.messaging.delivery claims them), so a crash between commit and send
loses nothing. Inbound rows carry the provider's id under a unique index:
a redelivered message cannot be stored twice.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence

from peewee import Case

from core.clock import to_db
from core.messaging.inbound import Reply
from core.models import Message, Patient
from core.storage.db import db, is_sqlite
from core.storage.prepared import PreparedInsert, PreparedUpdate

# Every column a new row names; the others (error code and text) start empty.
_DEFAULTS = {
    "patient": None,
    "appointment": None,
    "kind": "reply",
    "choices": "",
    "provider_id": None,
    "urgent": False,
    "attempts": 0,
    "next_attempt_at": None,
    "error_text": None,
    "sent_at": None,
    "fallback_of": None,
}
_INSERT = PreparedInsert(
    Message, "direction", "channel", "address", "created_at", "body", "status",
    *_DEFAULTS,
)  # fmt: skip
_INSERT_WITH_ID = PreparedInsert(
    Message, "id", "direction", "channel", "address", "created_at", "body", "status",
    *_DEFAULTS,
)  # fmt: skip
_SET_PATIENT = PreparedUpdate(
    Message, "patient", where=lambda message_id: Message.id == message_id
)
_REASSIGN = PreparedUpdate(
    Message, "patient", where=lambda patient_id: Message.patient == patient_id
)


# A staff password-reset email carries a sign-in link (core.staff.password_reset):
# staff pages show SECRET_BODY in its place, and once the row is settled (sent,
# failed for good, or not sent) the stored body is replaced by it.
PASSWORD_RESET = "password_reset"
SECRET_KINDS = (PASSWORD_RESET,)
SECRET_BODY = "[password reset link]"


def shown_body(kind: str, body: str) -> str:
    """What staff pages may show of a message's body."""
    return SECRET_BODY if kind in SECRET_KINDS else body


def _scrubbed():
    """The body column, with secret kinds' bodies replaced (inside an UPDATE)."""
    return Case(None, ((Message.kind.in_(SECRET_KINDS), SECRET_BODY),), Message.body)


def scrub(ids: list[int]) -> None:
    """These rows were sent: forget the bodies of secret kinds among them."""
    if ids:
        Message.update(body=SECRET_BODY).where(
            Message.id.in_(ids), Message.kind.in_(SECRET_KINDS)
        ).execute()


def _insert(**fields) -> int:
    return _INSERT.insert(**(_DEFAULTS | fields))


def choices_json(choices: Sequence[tuple[str, str]]) -> str:
    """[[label, value], ...] as stored for buttons; empty when there are none."""
    return json.dumps([list(c) for c in choices], ensure_ascii=False) if choices else ""


# Where a message goes when the patient chose nothing, and where it goes next
# when one channel fails for good.
CHANNEL_ORDER = ("telegram", "whatsapp", "sms", "email")
CHANNELS = (*CHANNEL_ORDER, "console")


def open_channels(patient: Patient) -> dict[str, str]:
    """{channel: address} for every way this patient can be reached now."""
    found = {}
    if patient.telegram_chat_id and not patient.telegram_blocked:
        found["telegram"] = patient.telegram_chat_id
    # WhatsApp only for a patient who wrote to us there, or chose it.
    on_whatsapp = patient.whatsapp_seen_at or patient.preferred_channel == "whatsapp"
    if patient.phone and on_whatsapp and not patient.whatsapp_opt_out:
        found["whatsapp"] = whatsapp_address(patient.phone)
    if patient.phone and not patient.sms_opt_out:
        found["sms"] = patient.phone
    if patient.email and not patient.email_opt_out:
        found["email"] = patient.email
    return found


def routes(patient: Patient, tried: Iterable[str] = ()) -> list[tuple[str, str]]:
    """(channel, address) to reach the patient on, best first, skipping tried.

    Their own choice first, then CHANNEL_ORDER.
    """
    found = open_channels(patient)
    chosen = patient.preferred_channel or ""
    order = [chosen, *(c for c in CHANNEL_ORDER if c != chosen)]
    skip = set(tried)
    return [(c, found[c]) for c in order if c in found and c not in skip]


def first_route(patient: Patient) -> tuple[str, str] | None:
    """(channel, address) the patient is reached on first, or None."""
    found = routes(patient)
    return found[0] if found else None


def whatsapp_address(phone: str) -> str:
    return f"whatsapp:{phone}"


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
    fallback_of: int | None = None,
) -> Message:
    """Queue one message to a patient; unreachable patients get a not_sent row.

    patient may be None for a chat we do not know yet, given channel and address.
    fallback_of: the first row of the chain this one tries again on another channel.
    """
    fields = _outbound(
        patient, body, now, kind=kind, appointment_id=appointment_id, urgent=urgent,
        choices=choices, channel=channel, address=address, fallback_of=fallback_of,
    )  # fmt: skip
    return Message(id=_INSERT.insert(**fields), **fields)


def enqueue_many(requests: list[dict], *, now: dt.datetime, kind: str) -> list[Message]:
    """Queue several messages at once, as enqueue(**request, now, kind) would, in order.

    On PostgreSQL their ids are drawn first, in one query, and the rows go in
    batches: one round trip per 200 messages instead of one per message.
    """
    rows = [_outbound(now=now, kind=kind, **request) for request in requests]
    if not rows:
        return []
    if is_sqlite():  # in-process: one insert each costs no round trip
        return [Message(id=_INSERT.insert(**row), **row) for row in rows]
    ids = [
        new_id
        for (new_id,) in db.obj.execute_sql(
            "SELECT nextval(pg_get_serial_sequence('message', 'id'))"
            " FROM generate_series(1, %s)",
            (len(rows),),
        )
    ]
    _INSERT_WITH_ID.many(
        [{"id": new_id, **row} for new_id, row in zip(ids, rows, strict=True)]
    )
    return [Message(id=new_id, **row) for new_id, row in zip(ids, rows, strict=True)]


def _outbound(
    patient: Patient | None,
    body: str,
    now: dt.datetime,
    *,
    kind: str,
    appointment_id: int | None = None,
    urgent: bool = False,
    choices: tuple[tuple[str, str], ...] = (),
    channel: str | None = None,
    address: str | None = None,
    fallback_of: int | None = None,
) -> dict:
    """An outbound row's columns: where it goes, or why it goes nowhere."""
    route = (channel, address) if channel and address else first_route(patient)
    fields = {
        "direction": "out",
        "patient": patient.id if patient else None,
        "appointment": appointment_id,
        "kind": kind,
        "body": body,
        "choices": choices_json(choices),
        "urgent": urgent,
        "created_at": to_db(now),
        "fallback_of": fallback_of,
    }
    if route is None:
        fields |= {
            "channel": "none",
            "address": "",
            "status": "not_sent",
            "error_text": "patient has opted out or cannot be reached",
        }
    elif route[0] == "console":
        # The simulator and `clinicbot chat` read their chat from this table:
        # stored is delivered, and no dispatcher sends on "console".
        fields |= {"channel": "console", "address": route[1], "status": "sent"}
        fields["sent_at"] = fields["created_at"]
    else:
        fields |= {
            "channel": route[0],
            "address": route[1],
            "status": "queued",
            "next_attempt_at": to_db(now),
        }
    return _DEFAULTS | fields


def record_inbound(
    channel: str,
    address: str,
    body: str,
    now: dt.datetime,
    *,
    provider_id: str | None,
    patient_id: int | None = None,
) -> int:
    """Store a message a patient sent; its id.

    Raises IntegrityError when the provider delivered this message before.
    """
    return _insert(
        direction="in",
        channel=channel,
        address=address,
        patient=patient_id,
        kind="inbound",
        body=body,
        provider_id=provider_id,
        status="received",
        created_at=to_db(now),
    )


def record_replies(
    replies: Iterable[Reply],
    channel: str,
    address: str,
    patient_id: int | None,
    now: dt.datetime,
    *,
    sent: bool,
) -> None:
    """Store the dialog's replies: sent already (in the HTTP answer) or queued."""
    at = to_db(now)
    status = {"status": "sent", "sent_at": at} if sent else {
        "status": "queued", "next_attempt_at": at,
    }  # fmt: skip
    for reply in replies:
        _insert(
            direction="out",
            channel=channel,
            address=address,
            patient=patient_id,
            body=reply.text,
            choices=choices_json(reply.choices),
            created_at=at,
            **status,
        )


def set_patient(message_id: int, patient_id: int) -> None:
    """Attach an inbound row to the patient created for it."""
    _SET_PATIENT.apply({"patient": patient_id}, message_id)


def reassign_patient(from_patient: int, to_patient: int) -> None:
    """Give one patient's messages to another (two records of one person merged)."""
    _REASSIGN.apply({"patient": to_patient}, from_patient)


# The dispatcher's writes: claim (queued -> sending, with a lease), settle
# what will never go, postpone, and record each send's outcome.
def settle(ids: list[int], reason: str) -> None:
    """These rows will not be sent: say why."""
    Message.update(status="not_sent", error_text=reason, body=_scrubbed()).where(
        Message.id.in_(ids)
    ).execute()


def postpone(ids: list[int], until: dt.datetime) -> None:
    """Try these rows again at until (naive UTC)."""
    Message.update(status="queued", next_attempt_at=until).where(
        Message.id.in_(ids)
    ).execute()


def claim(ids: list[int], moment: dt.datetime, lease: dt.timedelta) -> list[int]:
    """Mark these rows sending until moment + lease; the ids this call won."""
    if not ids:
        return []
    update = Message.update(
        status="sending",
        attempts=Message.attempts + 1,
        next_attempt_at=moment + lease,
    ).where(
        Message.id.in_(ids),
        Message.status.in_(("queued", "sending")),
        Message.next_attempt_at <= moment,
    )
    if is_sqlite():
        # BEGIN IMMEDIATE made this transaction the only writer since the select.
        update.execute()
        return list(ids)
    return [row.id for row in update.returning(Message.id).execute()]


_SENT = PreparedUpdate(
    Message, "provider_id", "status", "error_code", "error_text", "sent_at",
    where=lambda message_id, status: (Message.id == message_id)
    & (Message.status == status),
)  # fmt: skip
# A delivery callback found the row by our id before we knew the MessageSid.
_SENT_AFTER_CALLBACK = PreparedUpdate(
    Message,
    "provider_id",
    "sent_at",
    where=lambda message_id, statuses: (
        (Message.id == message_id)
        & Message.provider_id.is_null()
        & Message.status.in_(statuses)
    ),
)
_CALLED_BACK = ("delivered", "undelivered", "failed")


def record_sent(sent: list[tuple[int, str]], moment: dt.datetime) -> None:
    """(message id, provider id) of each accepted send.

    A delivery callback that landed first keeps its status; the MessageSid
    is still recorded.
    """
    _SENT.many(
        (
            {"provider_id": provider_id, "status": "sent", "error_code": None,
             "error_text": None, "sent_at": moment},
            (message_id, "sending"),
        )
        for message_id, provider_id in sent
    )  # fmt: skip
    _SENT_AFTER_CALLBACK.many(
        ({"provider_id": provider_id, "sent_at": moment}, (message_id, _CALLED_BACK))
        for message_id, provider_id in sent
    )


def sending(message_id: int) -> Message | None:
    """The row while it is being sent by this dispatcher, else None."""
    return Message.get_or_none(Message.id == message_id, Message.status == "sending")


def record_failure(
    message_id: int,
    *,
    code: str | None,
    text: str,
    retry_at: dt.datetime | None,
) -> None:
    """A send failed: queue it again at retry_at, or (None) give up."""
    final = {} if retry_at else {"body": _scrubbed()}
    Message.update(
        error_code=code,
        error_text=text[:1000],
        status="queued" if retry_at else "failed",
        next_attempt_at=retry_at,
        **final,
    ).where(Message.id == message_id).execute()


# Twilio's queued/accepted/sending mean "Twilio has it", which our "sent"
# already says; writing "queued" back would hand the row to the dispatcher
# again. Later states only move forward: a late "sent" never undoes
# "delivered".
STATUS_MAY_BECOME = {
    "sent": ("sending",),
    "delivered": ("sending", "sent"),
    "undelivered": ("sending", "sent"),
    "failed": ("sending", "sent"),
}


def _this_message(sid: str, message_id: int | None):
    if message_id is None:
        return Message.provider_id == sid
    same_sid = (Message.provider_id == sid) | Message.provider_id.is_null()
    return (Message.id == message_id) & same_sid


def record_status(
    sid: str, status: str, error_code: str | None, message_id: int | None
) -> Message | None:
    """Apply Twilio's delivery status to our SMS or WhatsApp row; the row if changed."""
    if status not in STATUS_MAY_BECOME:
        return None
    changes = {"status": status}
    if error_code:
        changes["error_code"] = error_code
        changes["error_text"] = f"twilio {status}: error {error_code}"
    updated = (
        Message.update(**changes)
        .where(
            Message.channel.in_(("sms", "whatsapp")),
            Message.direction == "out",
            _this_message(sid, message_id),
            Message.status.in_(STATUS_MAY_BECOME[status]),
        )
        .execute()
    )
    return Message.get(_this_message(sid, message_id)) if updated else None
