"""Claims on scheduler work: how two schedulers agree that each job runs once.

The one writer of reminder_claim. Work is claimed per (appointment, kind,
visit start) under a unique index: only one scheduler can insert the claim,
so every reminder is sent once, and a rescheduled visit's new time is new
work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from peewee import IntegrityError

from core.clock import to_db
from core.models import ReminderClaim
from core.storage.db import db
from core.storage.prepared import Prepared, PreparedInsert, PreparedUpdate

_CLAIM = PreparedInsert(
    ReminderClaim, "appointment", "kind", "start", "outcome", "message", "claimed_at"
)
_OUTCOME = PreparedUpdate(
    ReminderClaim, "outcome", where=lambda claim_id: ReminderClaim.id == claim_id
)
_RELEASE = Prepared(
    lambda appointment_id, kind, start: ReminderClaim.delete().where(
        ReminderClaim.appointment == appointment_id,
        ReminderClaim.kind == kind,
        ReminderClaim.start == start,
    )
)


def claim(
    appointment_id: int,
    kind: str,
    start: dt.datetime,
    now: dt.datetime,
    outcome: str = "",
) -> int | None:
    """Insert the unique claim for this work; its id, or None if someone has it.

    Runs in a savepoint so a lost race leaves the caller's transaction usable
    (PostgreSQL aborts a whole transaction on a failed statement otherwise).
    """
    row = {
        "appointment": appointment_id,
        "kind": kind,
        "start": to_db(start),
        "outcome": outcome,
        "message": None,
        "claimed_at": to_db(now),
    }
    try:
        with db.obj.atomic():
            return _CLAIM.insert(**row)
    except IntegrityError:
        return None


def claim_all(rows: Iterable[dict]) -> None:
    """Insert many claims at once (keys as in claim, plus message).

    Raises IntegrityError if another scheduler claimed any of them: the
    caller's whole transaction, texts included, then rolls back.
    """
    _CLAIM.many(rows)


def settle(claim_id: int, outcome: str) -> None:
    """Record what the claimed work came to (queued, offered:2, flagged...)."""
    _OUTCOME.apply({"outcome": outcome}, claim_id)


def release(appointment_id: int, kind: str, start: dt.datetime) -> None:
    """Give the work back, so a later tick may do it (e.g. after quiet hours)."""
    _RELEASE.execute(appointment_id, kind, to_db(start))
