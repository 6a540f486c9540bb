"""The dispatcher's database side: claim due outbound rows, record what happened.

A claim is a compare-and-set (queued -> sending, with a lease in
next_attempt_at), so several dispatchers in several processes never send one
row twice; a row whose lease ran out (its dispatcher died mid-send) is
claimed again. A send that fails because the patient cannot be reached any
more (a carrier opt-out, a blocked bot) closes that channel and tells staff.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from peewee import JOIN, fn

from core import audit
from core.clock import from_db, to_db
from core.messaging import conversations, mail, outbox, pacing, patients
from core.messaging.ics import Visit
from core.messaging.quiet_hours import quiet_until
from core.models import LIVE_STATUSES, Appointment, Message, Patient, ReminderClaim
from core.policy import load_policy
from core.storage.db import is_sqlite, write_transaction

log = logging.getLogger(__name__)

DISPATCH_CHANNELS = ("sms", "whatsapp", "telegram", "email")
LEASE = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 10
BACKOFF_BASE = dt.timedelta(seconds=15)
BACKOFF_CAP = dt.timedelta(hours=1)
NO_PROVIDER = "not sent: no provider configured"
# Failures that mean the patient cannot be reached this way any more.
UNREACHABLE = {("telegram", "403"), ("sms", "21610"), ("email", "550")}
# WhatsApp accepts free text only within 24 hours of the patient's last message.
WHATSAPP_WINDOW = dt.timedelta(hours=24)
# A message the clinic starts that fails for good here is tried on the
# patient's next channel; a reply belongs to the chat the patient wrote in.
FALLBACK_KINDS = ("reminder", "notice", "staff", "waitlist")


@dataclass(frozen=True)
class Outgoing:
    """One claimed outbound row, as much of it as a provider needs."""

    id: int
    channel: str
    address: str
    body: str
    choices: tuple[tuple[str, str], ...] = ()
    urgent: bool = False
    kind: str = "reply"
    patient_id: int | None = None
    attempts: int = 1
    due_at: dt.datetime | None = None  # when it was queued to go (aware UTC)
    lang: str = "en"  # the patient's language (a WhatsApp template's, an email's)
    window_open: bool = True  # WhatsApp: the patient wrote within 24 hours
    appointment_id: int | None = None
    # Email only (mail.letters): body is then the whole letter, and visit the
    # appointment its calendar invite describes, as it is now.
    subject: str = ""
    visit: Visit | None = None
    sender_name: str = ""  # the clinic's name, shown as the email's sender


@dataclass(frozen=True)
class Failure:
    id: int
    text: str
    code: str | None = None
    permanent: bool = False
    retry_after: float | None = None


# The rate-limit keys a row's send counts against (its sender's, per channel).
KeysOf = Callable[[Outgoing], tuple[str, ...]]


def backoff(attempts: int) -> dt.timedelta:
    """15 s, 30 s, 1 min, ... doubling per attempt, at most an hour."""
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP)


def _outgoing(row: dict, moment: dt.datetime) -> Outgoing:
    choices = (
        tuple(tuple(c) for c in json.loads(row["choices"])) if row["choices"] else ()
    )
    seen = row["whatsapp_seen_at"]
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
        due_at=from_db(row["created_at"]) if row["created_at"] else None,
        lang=row["language"] or "en",
        window_open=seen is not None and seen + WHATSAPP_WINDOW > moment,
        appointment_id=row["appointment"],
    )


def _unreachable(row: dict, moment: dt.datetime) -> str | None:
    """Why the patient must not get this row now, or None."""
    if row["kind"] == "reminder" and row["appointment"] is not None:
        # A reminder waiting out retries or quiet hours must not arrive for a
        # visit that was cancelled, moved or has begun in the meantime.
        if row["visit_status"] not in LIVE_STATUSES:
            return "not sent: the visit was cancelled"
        if row["reminded_start"] not in (None, row["visit_start"]):
            return "not sent: the visit was moved"
        if row["visit_start"] <= moment:
            return "not sent: the visit has begun"
    closed = CLOSED.get(row["channel"])
    if closed and row[closed[0]]:
        return closed[1]
    return None


# The patient column that closes a channel, and what the message log says.
CLOSED = {
    "sms": ("sms_opt_out", "not sent: patient opted out of SMS"),
    "whatsapp": ("whatsapp_opt_out", "not sent: patient opted out of WhatsApp"),
    "telegram": ("telegram_blocked", "not sent: patient blocked the Telegram bot"),
    "email": ("email_opt_out", "not sent: patient's email is turned off"),
}


def _due(moment: dt.datetime, limit: int):
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
            Message.created_at,
            Patient.sms_opt_out,
            Patient.telegram_blocked,
            Patient.whatsapp_opt_out,
            Patient.email_opt_out,
            Patient.whatsapp_seen_at,
            Patient.language,
            Appointment.status.alias("visit_status"),
            Appointment.start.alias("visit_start"),
            ReminderClaim.start.alias("reminded_start"),
        )
        .join(Patient, on=(Message.patient == Patient.id), join_type=JOIN.LEFT_OUTER)
        .join_from(
            Message,
            Appointment,
            on=(Message.appointment == Appointment.id),
            join_type=JOIN.LEFT_OUTER,
        )
        .join_from(
            Message,
            ReminderClaim,
            # A reminder tried again on another channel is still that reminder.
            on=(ReminderClaim.message == fn.COALESCE(Message.fallback_of, Message.id)),
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
    return list(query.dicts())


@dataclass(frozen=True)
class Claim:
    """The rows this dispatcher may send now, and when the next postponed one is due."""

    taken: list[Outgoing]
    next_at: dt.datetime | None = None


def claim_due(
    now: dt.datetime,
    limit: int,
    channels: Iterable[str],
    keys_of: KeysOf,
    rate_of: pacing.RateOf,
) -> Claim:
    """Claim up to limit due rows that may go now; settle or postpone the rest.

    Rate limits are shared through the database (core.messaging.pacing):
    rows over a sender's rate are postponed to when its bucket has a token.
    """
    configured = set(channels)
    moment = to_db(now)
    with write_transaction():
        rows = _due(moment, limit)
        policy = load_policy() if rows else None
        settle: dict[str, list[int]] = defaultdict(list)
        later: dict[dt.datetime, list[int]] = defaultdict(list)
        paced: list[Outgoing] = []
        for row in rows:
            if row["channel"] not in configured:
                settle[NO_PROVIDER].append(row["id"])
                continue
            reason = _unreachable(row, moment)
            if reason:
                settle[reason].append(row["id"])
                continue
            out = _outgoing(row, moment)
            exempt = out.urgent or out.kind == "reply"
            held = None if exempt else quiet_until(now, policy)
            if held is None:
                paced.append(out)
            else:
                later[to_db(held)].append(out.id)
        buckets = pacing.Buckets.load((k for o in paced for k in keys_of(o)), now)
        take: list[Outgoing] = []
        for out in paced:
            when = buckets.admit(keys_of(out), rate_of, now)
            if when is None:
                take.append(out)
            else:
                later[to_db(when)].append(out.id)
        buckets.store()
        for reason, ids in settle.items():
            outbox.settle(ids, reason)
            for message_id in ids:
                fall_back(message_id, now, configured)
        for when, ids in later.items():
            outbox.postpone(ids, when)
        won = set(outbox.claim([out.id for out in take], moment, LEASE))
        next_at = from_db(min(later)) if later else None
        taken = [out for out in take if out.id in won]
        if any(out.channel == "email" for out in taken):
            taken = _with_letters(taken, policy, configured)
        return Claim(taken, next_at)


def _with_letters(taken: list[Outgoing], policy, channels: set[str]) -> list[Outgoing]:
    """Email rows as letters (subject, text, invite); other rows as they are.

    Only a batch with email in it pays for this (two queries).
    """
    drafts = [
        mail.Draft(o.id, o.patient_id, o.appointment_id, o.kind, o.lang, o.body)
        for o in taken
        if o.channel == "email"
    ]
    letters = mail.letters(drafts, policy, channels)
    return [
        replace(
            o,
            subject=ln.subject,
            body=ln.text,
            visit=ln.visit,
            sender_name=ln.sender_name,
        )
        if (ln := letters.get(o.id))
        else o
        for o in taken
    ]


@dataclass(frozen=True)
class Backlog:
    """What is still to send: how many rows, and when the first may go."""

    queued: int
    next_attempt_at: dt.datetime | None


def _waiting(*columns):
    """Outbound rows still queued (or leased mid-send) on the channels we send on."""
    return Message.select(*columns).where(
        Message.direction == "out",
        Message.status.in_(("queued", "sending")),
        Message.channel.in_(DISPATCH_CHANNELS),
    )


def backlog() -> Backlog:
    """How many rows wait to be sent, and when the first of them may go."""
    query = _waiting(fn.COUNT(Message.id), fn.MIN(Message.next_attempt_at))
    count, first = query.tuples().get()
    return Backlog(count or 0, from_db(first) if first else None)


def queued_by_channel() -> dict[str, int]:
    """How many rows wait to be sent, per channel we send on (for /metrics)."""
    rows = _waiting(Message.channel, fn.COUNT(Message.id)).group_by(Message.channel)
    return {channel: 0 for channel in DISPATCH_CHANNELS} | dict(rows.tuples())


def record_results(
    now: dt.datetime,
    sent: list[tuple[int, str]],
    failures: list[Failure],
    channel_of: dict[int, str],
    channels: Iterable[str] = DISPATCH_CHANNELS,
) -> None:
    """Write each send's outcome; a row another dispatcher re-claimed is left alone.

    channels: those this dispatcher sends on, where a failed row may go next.
    """
    moment = to_db(now)
    with write_transaction():
        if sent:
            outbox.record_sent(sent, moment)
            # Only email carries secrets (a password-reset link): other
            # channels' rounds pay no extra statement.
            outbox.scrub([i for i, _ in sent if channel_of.get(i) == "email"])
        for failure in failures:
            _record_failure(failure, channel_of[failure.id], now, set(channels))


def fall_back(
    message_id: int, now: dt.datetime, channels: Iterable[str]
) -> Message | None:
    """Queue a message that failed for good on the patient's next channel.

    Only what the clinic starts (FALLBACK_KINDS), only on channels that are
    configured (channels) and open for this patient, and each channel once per
    chain: the rows of a chain share fallback_of, the message log shows each.
    """
    usable = set(channels)
    if not usable:  # nothing configured (the demo): no query per settled row
        return None
    row = Message.get_or_none(Message.id == message_id)
    if row is None or row.kind not in FALLBACK_KINDS or row.patient_id is None:
        return None
    patient = Patient.get_or_none(Patient.id == row.patient_id)
    if patient is None:
        return None
    root = row.fallback_of or row.id
    chain = Message.select(Message.channel).where(
        (Message.id == root) | (Message.fallback_of == root)
    )
    tried = {channel for (channel,) in chain.tuples()}
    for channel, address in outbox.routes(patient, tried):
        if channel not in usable:
            continue
        log.info("message %s failed on %s; trying %s", row.id, row.channel, channel)
        choices = tuple(tuple(c) for c in json.loads(row.choices or "[]"))
        return outbox.enqueue(
            patient,
            row.body,
            now=now,
            kind=row.kind,
            appointment_id=row.appointment_id,
            urgent=row.urgent,
            choices=choices,
            channel=channel,
            address=address,
            fallback_of=root,
        )
    return None


def _record_failure(
    failure: Failure, channel: str, now: dt.datetime, channels: set[str]
) -> None:
    row = outbox.sending(failure.id)
    if row is None:
        return
    retry_at = None
    if not (failure.permanent or row.attempts >= MAX_ATTEMPTS):
        wait = (
            dt.timedelta(seconds=failure.retry_after)
            if failure.retry_after is not None
            else backoff(row.attempts)
        )
        retry_at = to_db(now) + wait
    outbox.record_failure(
        failure.id, code=failure.code, text=failure.text, retry_at=retry_at
    )
    gone = failure.permanent and (channel, failure.code) in UNREACHABLE
    if gone and row.patient_id:
        mark_unreachable(row.patient_id, channel, row.address, now)
    if retry_at is None:
        fall_back(failure.id, now, channels)


def record_delivery(
    sid: str,
    status: str,
    error_code: str | None,
    now: dt.datetime,
    message_id: int | None = None,
    channels: Iterable[str] = DISPATCH_CHANNELS,
) -> bool:
    """Apply one Twilio status callback; True when it changed the message.

    With our message id (from the callback URL) a callback that arrives
    before the dispatcher recorded the MessageSid still lands. A message
    that failed (WhatsApp outside its window, an unreachable number) is
    tried on the patient's next channel among channels.
    """
    with write_transaction():
        row = outbox.record_status(sid, status, error_code, message_id)
        gone = row is not None and (row.channel, error_code) in UNREACHABLE
        if gone and row.patient_id:
            mark_unreachable(row.patient_id, row.channel, row.address, now)
        if row is not None and status in ("failed", "undelivered"):
            fall_back(row.id, now, channels)
    if row is None:
        log.debug("Twilio status %s for %s: nothing to record", status, sid)
    return row is not None


UNREACHABLE_REASONS = {
    "sms": "patient opted out of SMS at the carrier",
    "whatsapp": "patient cannot be reached on WhatsApp",
    "telegram": "patient blocked the Telegram bot",
    "email": "patient's email address bounced",
}


def mark_unreachable(
    patient_id: int, channel: str, address: str, now: dt.datetime
) -> None:
    """Remember an opted-out number or a blocked bot, and tell staff."""
    patients.close_channel(patient_id, channel)
    reason = UNREACHABLE_REASONS[channel]
    log.info("patient %s unreachable on %s: %s", patient_id, channel, reason)
    conversations.flag(channel, address, reason)
    upcoming = Appointment.select(Appointment.id).where(
        Appointment.patient == patient_id,
        Appointment.status.in_(LIVE_STATUSES),
        Appointment.start > to_db(now),
    )
    for (appointment_id,) in upcoming.tuples():
        audit.record(
            audit.SYSTEM,
            "patient_unreachable",
            now,
            appointment_id=appointment_id,
            patient_id=patient_id,
            channel=channel,
            reason=reason,
        )


def set_telegram_blocked(chat_id: str, blocked: bool, now: dt.datetime) -> None:
    """The patient blocked (or unblocked) the bot; staff hear of a block."""
    with write_transaction():
        patient = patients.by_chat(chat_id)
        if patient is None or patient.telegram_blocked == blocked:
            return
        if blocked:
            mark_unreachable(patient.id, "telegram", chat_id, now)
        else:
            patients.unblock(patient.id)
