"""Shared steps of the jobs: claim work, open a reply context, flag for staff."""

from __future__ import annotations

import datetime as dt
import json

from peewee import IntegrityError

from core.clock import to_db
from core.dialog.states import EXPIRING, REMINDER
from core.messaging.outbox import preferred_channel
from core.models import Appointment, AuditLog, Conversation, Patient, ReminderClaim
from core.storage.db import db
from core.storage.prepared import insert_rows


def claim(
    appointment_id: int,
    kind: str,
    start: dt.datetime,
    now: dt.datetime,
    outcome: str = "",
) -> ReminderClaim | None:
    """Insert the unique claim for this work; None if someone already has it.

    Runs in a savepoint so a lost race leaves the caller's transaction usable
    (PostgreSQL aborts a whole transaction on a failed statement otherwise).
    """
    try:
        with db.atomic():
            return ReminderClaim.create(
                appointment=appointment_id,
                kind=kind,
                start=to_db(start),
                outcome=outcome,
                claimed_at=to_db(now),
            )
    except IntegrityError:
        return None


def context_row(
    channel: str,
    address: str,
    patient_id: int,
    state: str,
    data: dict,
    now: dt.datetime,
    language: str,
) -> dict:
    """A Conversation row that makes the patient's next reply answer this text."""
    return {
        "channel": channel,
        "address": address,
        "patient": patient_id,
        "state": state,
        "data": json.dumps(data, sort_keys=True),
        "language": language,
        "misunderstood": 0,
        "flagged": False,  # only used when the row is new; a flag is kept
        "updated_at": to_db(now),
    }


def open_contexts(rows: list[dict], idle_before: dt.datetime) -> None:
    """Upsert Conversation rows by (channel, address), one per address.

    A patient in the middle of a flow (active since idle_before) keeps their
    place: overwriting it would make their next "1" answer the reminder
    instead of the question they are looking at. They can still confirm
    through "My appointments".
    """
    unique: dict[tuple[str, str], dict] = {}
    for row in rows:
        unique.setdefault((row["channel"], row["address"]), row)  # first wins
    _join_reminders(unique, rows, idle_before)
    mid_flow = sorted(EXPIRING)
    marks = ", ".join([db.obj.param] * len(mid_flow))
    insert_rows(
        Conversation,
        list(unique.values()),
        on_conflict=("channel", "address"),
        update=("patient", "state", "data", "misunderstood", "updated_at"),
        update_where=(
            f'"conversation"."state" NOT IN ({marks})'
            f' OR "conversation"."updated_at" < {db.obj.param}'
        ),
        where_params=(*mid_flow, Conversation.updated_at.db_value(to_db(idle_before))),
    )


def _reminded_ids(data: str) -> set[int]:
    record = json.loads(data or "{}")
    ids = record.get("appointment_ids") or [record.get("appointment_id")]
    return {i for i in ids if isinstance(i, int)}


def _join_reminders(
    unique: dict[tuple[str, str], dict], rows: list[dict], idle_before: dt.datetime
) -> None:
    """One patient with several visits reminded gets one context naming them all.

    Otherwise the later reminder's context replaces the earlier one, and a
    "1" sent to the earlier text confirms the other visit; the dialog asks
    which visit when it sees several.
    """
    keys = [k for k, row in unique.items() if row["state"] == REMINDER]
    if not keys:
        return
    wanted: dict[tuple[str, str], set[int]] = {k: set() for k in keys}
    for row in rows:  # several reminders for one address in this batch
        if (row["channel"], row["address"]) in wanted and row["state"] == REMINDER:
            wanted[(row["channel"], row["address"])] |= _reminded_ids(row["data"])
    open_already = (
        Conversation.select(
            Conversation.channel, Conversation.address, Conversation.data
        )
        .where(
            Conversation.address.in_([address for _, address in keys]),
            Conversation.state == REMINDER,
        )
        .tuples()
    )
    for channel, address, data in open_already:
        if (channel, address) in wanted:
            wanted[(channel, address)] |= _reminded_ids(data)
    every = {i for ids in wanted.values() for i in ids}
    ahead = {
        i
        for (i,) in Appointment.select(Appointment.id)
        .where(
            Appointment.id.in_(sorted(every)),
            Appointment.status.in_(("scheduled", "confirmed")),
            Appointment.start > to_db(idle_before),
        )
        .tuples()
    }
    for key, ids in wanted.items():
        live = sorted(ids & ahead)
        if len(live) > 1:
            unique[key]["data"] = json.dumps({"appointment_ids": live})


def flag_for_staff(
    patient: Patient,
    reason: str,
    now: dt.datetime,
    appointment_id: int | None = None,
) -> None:
    """Put the patient's conversation in the staff queue and write an audit row."""
    route = preferred_channel(patient)
    if route is None:
        if patient.phone:
            route = ("sms", patient.phone)
        elif patient.telegram_chat_id:
            route = ("telegram", patient.telegram_chat_id)
        else:
            route = ("none", f"patient:{patient.id}")
    updated = (
        Conversation.update(flagged=True, flag_reason=reason[:255])
        .where(Conversation.channel == route[0], Conversation.address == route[1])
        .execute()
    )
    if not updated:
        Conversation.create(
            channel=route[0],
            address=route[1],
            patient=patient.id,
            language=patient.language or "en",
            flagged=True,
            flag_reason=reason[:255],
            updated_at=to_db(now),
        )
    AuditLog.create(
        at=to_db(now),
        actor="system",
        action="flag",
        appointment=appointment_id,
        patient=patient.id,
        detail=json.dumps({"reason": reason}),
    )


def record(
    action: str,
    now: dt.datetime,
    *,
    appointment_id: int | None = None,
    patient_id: int | None = None,
    **detail,
) -> None:
    """An audit row for something the scheduler did or chose not to do."""
    AuditLog.create(
        at=to_db(now),
        actor="system",
        action=action,
        appointment=appointment_id,
        patient=patient_id,
        detail=json.dumps(detail, default=str, sort_keys=True) if detail else "",
    )
