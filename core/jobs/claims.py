"""Shared steps of the jobs: claim work, open a reply context, flag for staff."""

from __future__ import annotations

import datetime as dt
import json

import peewee
from peewee import IntegrityError

from core.clock import to_db
from core.db import db
from core.dialog.states import EXPIRING
from core.models import AuditLog, Conversation, Patient, ReminderClaim
from core.outbox import preferred_channel


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


def insert_rows(
    model,
    rows: list[dict],
    *,
    on_conflict: tuple = (),
    update: tuple = (),
    update_where: str = "",
    where_params: tuple = (),
) -> None:
    """Insert many rows with one prepared statement (executemany).

    peewee builds SQL per value, which made queuing 10,000 reminders
    several times slower than the database work; this is plain standard
    SQL that SQLite and PostgreSQL both accept, values converted by the
    model's own fields.
    """
    if not rows:
        return
    meta = model._meta
    fields = [meta.fields[name] for name in rows[0]]
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    params = ", ".join([db.obj.param] * len(fields))
    sql = f'INSERT INTO "{meta.table_name}" ({columns}) VALUES ({params})'
    if on_conflict:
        target = ", ".join(f'"{meta.fields[n].column_name}"' for n in on_conflict)
        sets = ", ".join(
            f'"{meta.fields[n].column_name}" = excluded."{meta.fields[n].column_name}"'
            for n in update
        )
        sql += f" ON CONFLICT ({target}) DO UPDATE SET {sets}"
        if update_where:
            sql += f" WHERE {update_where}"
    values = [
        tuple(f.db_value(row[f.name]) for f in fields) + where_params for row in rows
    ]
    # Raise peewee's IntegrityError (not the driver's), as peewee queries do.
    with peewee.__exception_wrapper__:
        db.cursor().executemany(sql, values)


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
