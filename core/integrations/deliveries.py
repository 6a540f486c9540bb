"""Webhook deliveries: an outbox of events for the clinic's other systems.

The one writer of webhook_delivery. core.audit calls emit() for the changes
other systems subscribe to, in the change's own transaction, so a delivery
exists if and only if its change committed. The sender (bot/webhooks.py)
claims due rows with a lease (next_attempt_at pushed out, so a sender that
dies mid-send leaves the row to be tried again), posts them signed
(core.integrations.signing) and records each answer here: 2xx is sent,
anything else waits by BACKOFF and fails for good after MAX_ATTEMPTS. An
admin can replay any delivery.

Bodies name the patient by id only: receivers are the clinic's own systems
(its EHR, its website), which look the patient up themselves; no names,
phone numbers or visit reasons leave in a webhook.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from dataclasses import dataclass

from core.clock import from_db, to_db
from core.errors import NotFound
from core.integrations import endpoints
from core.integrations.signing import verify_signature
from core.models import Appointment, Doctor, VisitType, WebhookDelivery, WebhookEndpoint
from core.storage.db import is_sqlite, write_transaction
from core.storage.prepared import Prepared, PreparedInsert

__all__ = [
    "Due",
    "due",
    "emit",
    "listing",
    "purge",
    "record",
    "replay",
    "verify_signature",
]

log = logging.getLogger(__name__)

# The wait after each failed attempt; the last one is the longest.
BACKOFF = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=6),
    dt.timedelta(hours=12),
    dt.timedelta(hours=24),
)
MAX_ATTEMPTS = len(BACKOFF) + 1  # 8 tries over about two days
LEASE = dt.timedelta(minutes=2)  # a send times out long before this
BODY_START = 500  # characters of a receiver's answer kept for the console
KEEP_SENT = dt.timedelta(days=30)
KEEP_FAILED = dt.timedelta(days=90)  # longer: someone may still need to replay it

_INSERT = PreparedInsert(
    WebhookDelivery, "endpoint", "event_id", "event", "body", "status", "attempts",
    "next_attempt_at", "response_body", "created_at",
)  # fmt: skip
_APPOINTMENT = Prepared(
    lambda appointment_id: (
        Appointment.select(
            Appointment.id,
            Appointment.status,
            Appointment.start,
            Appointment.end,
            Appointment.doctor,
            Doctor.name,
            Appointment.visit_type,
            VisitType.name,
            Appointment.patient,
            Appointment.created_via,
            Appointment.cancelled_by,
            Appointment.cancel_reason,
        )
        .join_from(Appointment, Doctor)
        .join_from(Appointment, VisitType)
        .where(Appointment.id == appointment_id)
    )
)


def _iso(moment: dt.datetime | str) -> str:
    """ISO 8601 UTC with a Z, from a naive UTC column or an aware ISO string."""
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = from_db(moment)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _appointment(appointment_id: int) -> dict:
    row = _APPOINTMENT.first(appointment_id)
    if row is None:
        raise NotFound("That appointment does not exist.")
    (
        visit_id, status, start, end, doctor_id, doctor_name, visit_type_id,
        visit_type_name, patient_id, created_via, cancelled_by, cancel_reason,
    ) = row  # fmt: skip
    data = {
        "id": visit_id,
        "status": status,
        "start": _iso(start),
        "end": _iso(end),
        "doctor": {"id": doctor_id, "name": doctor_name},
        "visit_type": {"id": visit_type_id, "name": visit_type_name},
        "patient": {"id": patient_id},
        "created_via": created_via,
    }
    if status == "cancelled":
        data["cancelled_by"] = cancelled_by
        data["cancel_reason"] = cancel_reason or ""
    return data


def _data(event: str, appointment_id, patient_id, detail: dict) -> dict:
    """What the event's body says, by kind of event (module docstring: ids only)."""
    if event.startswith("appointment."):
        data = {"appointment": _appointment(appointment_id)}
        if event == "appointment.rescheduled":
            data["previous"] = {
                "start": _iso(detail["old_start"]),
                "end": _iso(detail["old_end"]),
                "doctor": {"id": detail["old_doctor"]},
            }
        return data
    data = {"patient": {"id": patient_id}}
    if event == "patient.opted_out":
        data["channel"] = detail["channel"]
    elif event == "conversation.flagged":
        data["reason"] = detail.get("reason", "")
        data["appointment_id"] = appointment_id
    return data


def emit(
    event: str,
    now: dt.datetime,
    *,
    actor: str = "",
    appointment_id: int | None = None,
    patient_id: int | None = None,
    **detail,
) -> int:
    """One delivery per active endpoint that wants event, in the caller's transaction.

    Returns how many were written. With no endpoint subscribed this is one
    prepared read of the (small) endpoint table and nothing else; nothing is
    cached across transactions, so an endpoint registered by another process
    counts at once.
    """
    if event not in endpoints.EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    targets = endpoints.subscribed(event)
    if not targets:
        return 0
    event_id = str(uuid.uuid4())
    body = json.dumps(
        {
            "id": event_id,
            "type": event,
            "created": int(now.timestamp()),
            "actor": actor,
            "data": _data(event, appointment_id, patient_id, detail),
        },
        separators=(",", ":"),
        sort_keys=True,
    )
    _INSERT.many(
        {
            "endpoint": endpoint_id,
            "event_id": event_id,
            "event": event,
            "body": body,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": to_db(now),
            "response_body": "",
            "created_at": to_db(now),
        }
        for endpoint_id in targets
    )
    return len(targets)


@dataclass(frozen=True)
class Due:
    """One claimed delivery: what to post, where, signed with which secret."""

    id: int
    endpoint_id: int
    url: str
    secret: str
    event: str
    event_id: str
    body: str
    attempt: int  # this try's number, from 1


def _due_query(moment: dt.datetime, limit: int):
    return (
        WebhookDelivery.select(
            WebhookDelivery.id,
            WebhookDelivery.endpoint,
            WebhookEndpoint.url,
            WebhookEndpoint.secret,
            WebhookDelivery.event,
            WebhookDelivery.event_id,
            WebhookDelivery.body,
            WebhookDelivery.attempts,
        )
        .join(WebhookEndpoint)
        .where(
            (WebhookDelivery.status == "pending")
            & (WebhookDelivery.next_attempt_at <= moment)
            & (WebhookEndpoint.active == True)  # noqa: E712 - SQL, not Python
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
    )


_ANY_DUE = Prepared(
    lambda status, moment, one: (
        WebhookDelivery.select(WebhookDelivery.id)
        .where(
            (WebhookDelivery.status == status)
            & (WebhookDelivery.next_attempt_at <= moment)
        )
        .limit(one)
    )
)


def due(now: dt.datetime, limit: int = 50) -> list[Due]:
    """Claim up to limit due deliveries of active endpoints, leased for LEASE.

    Safe with several senders: on PostgreSQL the rows are locked with SKIP
    LOCKED, so two claimers take disjoint batches; on SQLite the transaction
    holds the write lock from its first statement (BEGIN IMMEDIATE). The
    lease moves next_attempt_at past now, so nobody else claims them until a
    crashed sender's lease runs out. An idle poll is one indexed read and
    takes no write lock.
    """
    moment = to_db(now)
    if _ANY_DUE.first("pending", moment, 1) is None:
        return []
    with write_transaction():
        query = _due_query(moment, limit)
        if not is_sqlite():
            query = query.for_update("FOR UPDATE SKIP LOCKED", of=WebhookDelivery)
        rows = list(query.tuples())
        if not rows:
            return []
        ids = [row[0] for row in rows]
        WebhookDelivery.update(
            attempts=WebhookDelivery.attempts + 1,
            last_attempt_at=moment,
            next_attempt_at=moment + LEASE,
        ).where(WebhookDelivery.id.in_(ids)).execute()
    return [
        Due(row_id, endpoint_id, url, secret, event, event_id, body, attempts + 1)
        for row_id, endpoint_id, url, secret, event, event_id, body, attempts in rows
    ]


def backoff(attempt: int) -> dt.timedelta | None:
    """The wait after failed attempt number attempt, or None if it was the last."""
    if attempt >= MAX_ATTEMPTS:
        return None
    return BACKOFF[min(attempt, len(BACKOFF)) - 1]


def record(
    delivery_id: int,
    ok: bool,
    status: int | None,
    body_start: str,
    now: dt.datetime,
    *,
    permanent: bool = False,
) -> str:
    """What the receiver answered; returns the delivery's status now.

    ok: a 2xx answer. Otherwise the delivery waits by BACKOFF, or fails for
    good after MAX_ATTEMPTS, or at once if permanent (an address we refuse).
    """
    row = (
        WebhookDelivery.select(WebhookDelivery.attempts, WebhookDelivery.status)
        .where(WebhookDelivery.id == delivery_id)
        .tuples()
        .first()
    )
    if row is None:
        return "deleted"  # its endpoint was deleted while the post was out
    attempts, current = row
    values: dict = {
        "response_status": status,
        "response_body": (body_start or "")[:BODY_START],
        "last_attempt_at": to_db(now),
    }
    wait = None if permanent else backoff(max(attempts, 1))
    if ok:
        values["status"] = "sent"
    elif wait is None:
        values["status"] = "failed"
    else:
        values["next_attempt_at"] = to_db(now + wait)
    # Only a delivery still pending: a replay or another sender may have moved on.
    WebhookDelivery.update(**values).where(
        (WebhookDelivery.id == delivery_id) & (WebhookDelivery.status == "pending")
    ).execute()
    return values.get("status", "pending") if current == "pending" else current


def replay(delivery_id: int, now: dt.datetime) -> None:
    """Send a delivery again (an admin asked): pending, attempts from zero.

    The body, and so its event id, stays the same: a receiver that already
    processed it may drop it as a duplicate.
    """
    updated = (
        WebhookDelivery.update(status="pending", attempts=0, next_attempt_at=to_db(now))
        .where(WebhookDelivery.id == delivery_id)
        .execute()
    )
    if not updated:
        raise NotFound("That webhook delivery does not exist.")
    log.info("webhook delivery %s replayed", delivery_id)


def listing(
    tz: dt.tzinfo, endpoint_id: int | None = None, limit: int = 100
) -> list[dict]:
    """The newest deliveries for the console, of one endpoint or of all."""
    query = (
        WebhookDelivery.select(
            WebhookDelivery.id,
            WebhookDelivery.endpoint,
            WebhookEndpoint.url,
            WebhookDelivery.event,
            WebhookDelivery.event_id,
            WebhookDelivery.status,
            WebhookDelivery.attempts,
            WebhookDelivery.next_attempt_at,
            WebhookDelivery.last_attempt_at,
            WebhookDelivery.response_status,
            WebhookDelivery.response_body,
            WebhookDelivery.created_at,
        )
        .join(WebhookEndpoint)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    )
    if endpoint_id is not None:
        query = query.where(WebhookDelivery.endpoint == endpoint_id)

    def local(value):
        return value and from_db(value).astimezone(tz)

    return [
        {
            "id": row[0],
            "endpoint_id": row[1],
            "url": row[2],
            "event": row[3],
            "event_id": row[4],
            "status": row[5],
            "attempts": row[6],
            "next_attempt_at": local(row[7]) if row[5] == "pending" else None,
            "last_attempt_at": local(row[8]),
            "response_status": row[9],
            "response_body": row[10],
            "created_at": local(row[11]),
        }
        for row in query.tuples()
    ]


def purge(now: dt.datetime) -> int:
    """Forget sent deliveries after KEEP_SENT and failed ones after KEEP_FAILED."""
    return (
        WebhookDelivery.delete()
        .where(
            (
                (WebhookDelivery.status == "sent")
                & (WebhookDelivery.created_at < to_db(now - KEEP_SENT))
            )
            | (
                (WebhookDelivery.status == "failed")
                & (WebhookDelivery.created_at < to_db(now - KEEP_FAILED))
            )
        )
        .execute()
    )
