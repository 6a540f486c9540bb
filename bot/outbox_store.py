"""The dispatcher's database side: claim due outbound rows, record what happened.

Synchronous peewee code, run on the gateway's database thread. A claim is a
compare-and-set (queued -> sending, with a lease in next_attempt_at), so
several dispatchers in several processes never send one row twice; a row
whose lease ran out (its dispatcher died mid-send) is claimed again.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from peewee import JOIN

from bot.pacing import quiet_until
from bot.providers import Outgoing
from core.clock import to_db
from core.models import (
    Appointment,
    AuditLog,
    Conversation,
    Message,
    Patient,
    ReminderClaim,
)
from core.policy import load_policy
from core.storage.db import db, is_sqlite, write_transaction

log = logging.getLogger(__name__)

DISPATCH_CHANNELS = ("sms", "telegram")
LEASE = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 10
BACKOFF_BASE = dt.timedelta(seconds=15)
BACKOFF_CAP = dt.timedelta(hours=1)
NO_PROVIDER = "not sent: no provider configured"
LIVE = ("scheduled", "confirmed")

# Decides when a row may go: None = now, else the instant to postpone it to.
Admit = Callable[[Outgoing, dt.datetime], dt.datetime | None]


@dataclass(frozen=True)
class Failure:
    id: int
    text: str
    code: str | None = None
    permanent: bool = False
    retry_after: float | None = None


def backoff(attempts: int) -> dt.timedelta:
    """15 s, 30 s, 1 min, ... doubling per attempt, at most an hour."""
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP)


def _outgoing(row: dict) -> Outgoing:
    choices = (
        tuple(tuple(c) for c in json.loads(row["choices"])) if row["choices"] else ()
    )
    return Outgoing(
        id=row["id"],
        channel=row["channel"],
        address=row["address"],
        body=row["body"],
        choices=choices,
        urgent=row["urgent"],
        kind=row["kind"],
        patient_id=row["patient"],
        attempts=row["attempts"] + 1,
    )


def _unreachable(row: dict, moment: dt.datetime) -> str | None:
    """Why the patient must not get this row now, or None."""
    if row["kind"] == "reminder" and row["appointment"] is not None:
        # A reminder waiting out retries or quiet hours must not arrive for a
        # visit that was cancelled, moved or has begun in the meantime.
        if row["visit_status"] not in ("scheduled", "confirmed"):
            return "not sent: the visit was cancelled"
        if row["reminded_start"] not in (None, row["visit_start"]):
            return "not sent: the visit was moved"
        if row["visit_start"] <= moment:
            return "not sent: the visit has begun"
    if row["channel"] == "sms" and row["sms_opt_out"]:
        return "not sent: patient opted out of SMS"
    if row["channel"] == "telegram" and row["telegram_blocked"]:
        return "not sent: patient blocked the Telegram bot"
    return None


def claim_due(
    now: dt.datetime, limit: int, channels: Iterable[str], admit: Admit
) -> list[Outgoing]:
    """Claim up to limit due rows that may go now; settle or postpone the rest."""
    configured = set(channels)
    moment = to_db(now)
    with write_transaction():
        query = (
            Message.select(
                Message.id,
                Message.channel,
                Message.address,
                Message.body,
                Message.choices,
                Message.urgent,
                Message.kind,
                Message.patient,
                Message.appointment,
                Message.attempts,
                Message.status,
                Patient.sms_opt_out,
                Patient.telegram_blocked,
                Appointment.status.alias("visit_status"),
                Appointment.start.alias("visit_start"),
                ReminderClaim.start.alias("reminded_start"),
            )
            .join(
                Patient, on=(Message.patient == Patient.id), join_type=JOIN.LEFT_OUTER
            )
            .join_from(
                Message,
                Appointment,
                on=(Message.appointment == Appointment.id),
                join_type=JOIN.LEFT_OUTER,
            )
            .join_from(
                Message,
                ReminderClaim,
                on=(ReminderClaim.message == Message.id),
                join_type=JOIN.LEFT_OUTER,
            )
            .where(
                Message.direction == "out",
                Message.status.in_(("queued", "sending")),
                Message.next_attempt_at <= moment,
                Message.channel.in_(DISPATCH_CHANNELS),
            )
            .order_by(Message.next_attempt_at, Message.id)
            .limit(limit)
        )
        if not is_sqlite():
            # Two dispatchers on PostgreSQL take disjoint batches instead of queueing.
            query = query.for_update("FOR UPDATE SKIP LOCKED", of=Message)
        rows = list(query.dicts())
        policy = load_policy() if rows else None
        take: list[Outgoing] = []
        settle: dict[str, list[int]] = defaultdict(list)
        later: dict[dt.datetime, list[int]] = defaultdict(list)
        for row in rows:
            if row["channel"] not in configured:
                settle[NO_PROVIDER].append(row["id"])
                continue
            reason = _unreachable(row, moment)
            if reason:
                settle[reason].append(row["id"])
                continue
            out = _outgoing(row)
            exempt = out.urgent or out.kind == "reply"
            when = None if exempt else quiet_until(now, policy)
            if when is None:
                when = admit(out, now)
            if when is None:
                take.append(out)
            else:
                later[to_db(when)].append(out.id)
        for reason, ids in settle.items():
            Message.update(status="not_sent", error_text=reason).where(
                Message.id.in_(ids)
            ).execute()
        for when, ids in later.items():
            Message.update(status="queued", next_attempt_at=when).where(
                Message.id.in_(ids)
            ).execute()
        return _compare_and_set(take, moment)


def _compare_and_set(take: list[Outgoing], moment: dt.datetime) -> list[Outgoing]:
    """Mark the rows sending; return those this call really won."""
    if not take:
        return []
    update = Message.update(
        status="sending",
        attempts=Message.attempts + 1,
        next_attempt_at=moment + LEASE,
    ).where(
        Message.id.in_([out.id for out in take]),
        Message.status.in_(("queued", "sending")),
        Message.next_attempt_at <= moment,
    )
    if is_sqlite():
        # BEGIN IMMEDIATE made this transaction the only writer since the select.
        update.execute()
        return take
    won = {row.id for row in update.returning(Message.id).execute()}
    return [out for out in take if out.id in won]


def record_results(
    now: dt.datetime,
    sent: list[tuple[int, str]],
    failures: list[Failure],
    channel_of: dict[int, str],
) -> None:
    """Write each send's outcome; a row another dispatcher re-claimed is left alone."""
    moment = to_db(now)
    with write_transaction():
        if sent:
            param = db.obj.param
            # A delivery callback may have landed first (it finds the row by
            # our id): keep its status, but still record the MessageSid.
            sql = (
                f"UPDATE message SET provider_id = {param}, sent_at = {param},"
                " status = CASE WHEN status = 'sending' THEN 'sent' ELSE status END,"
                " error_code = CASE WHEN status = 'sending' THEN NULL"
                " ELSE error_code END,"
                " error_text = CASE WHEN status = 'sending' THEN NULL"
                " ELSE error_text END"
                f" WHERE id = {param} AND (status = 'sending' OR (provider_id IS NULL"
                " AND status IN ('delivered', 'undelivered', 'failed')))"
            )
            cursor = db.obj.cursor()
            cursor.executemany(sql, [(pid, moment, mid) for mid, pid in sent])
        for failure in failures:
            _record_failure(failure, channel_of[failure.id], moment)


def _record_failure(failure: Failure, channel: str, moment: dt.datetime) -> None:
    row = Message.get_or_none(Message.id == failure.id, Message.status == "sending")
    if row is None:
        return
    row.error_code = failure.code
    row.error_text = failure.text[:1000]
    if failure.permanent or row.attempts >= MAX_ATTEMPTS:
        row.status = "failed"
        row.next_attempt_at = None
        if (
            failure.permanent
            and row.patient_id
            and (channel, failure.code) in UNREACHABLE
        ):
            mark_unreachable(row.patient_id, channel, row.address, moment)
    else:
        row.status = "queued"
        wait = (
            dt.timedelta(seconds=failure.retry_after)
            if failure.retry_after is not None
            else backoff(row.attempts)
        )
        row.next_attempt_at = moment + wait
    row.save()


# Failures that mean the patient cannot be reached this way any more.
UNREACHABLE = {("telegram", "403"), ("sms", "21610")}


def mark_unreachable(
    patient_id: int, channel: str, address: str, moment: dt.datetime
) -> None:
    """Remember an opted-out number or a blocked bot, and tell staff."""
    if channel == "sms":
        Patient.update(sms_opt_out=True).where(Patient.id == patient_id).execute()
        reason = "patient opted out of SMS at the carrier"
    else:
        Patient.update(telegram_blocked=True).where(Patient.id == patient_id).execute()
        reason = "patient blocked the Telegram bot"
    flag_unreachable(patient_id, channel, address, reason, moment)


def flag_unreachable(
    patient_id: int, channel: str, address: str, reason: str, moment: dt.datetime
) -> None:
    """Flag the conversation and each upcoming visit for staff to follow up."""
    log.info("patient %s unreachable on %s: %s", patient_id, channel, reason)
    Conversation.update(flagged=True, flag_reason=reason).where(
        Conversation.channel == channel, Conversation.address == address
    ).execute()
    upcoming = Appointment.select(Appointment.id).where(
        Appointment.patient == patient_id,
        Appointment.status.in_(LIVE),
        Appointment.start > moment,
    )
    for appointment in upcoming:
        AuditLog.create(
            actor="system",
            action="patient_unreachable",
            appointment=appointment.id,
            patient=patient_id,
            detail=json.dumps({"channel": channel, "reason": reason}),
        )
