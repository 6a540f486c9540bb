"""The audit log: who did what to which visit or patient, and when.

The one writer of audit_log. Bookings, the scheduler and delivery failures
all record here, in the transaction of the change they describe.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from core.clock import to_db
from core.integrations import deliveries
from core.models import AuditLog
from core.storage.prepared import PreparedInsert


@dataclass(frozen=True)
class Actor:
    """Who did it, as written to the audit log: patient:12, staff:3, system."""

    kind: str
    id: int | None = None

    def __str__(self) -> str:
        return self.kind if self.id is None else f"{self.kind}:{self.id}"


SYSTEM = Actor("system")


# Audited changes that other systems can subscribe to (core.integrations):
# their webhook deliveries are written in the same transaction.
WEBHOOK_EVENTS = {
    "book": "appointment.booked",
    "confirm": "appointment.confirmed",
    "cancel": "appointment.cancelled",
    "reschedule": "appointment.rescheduled",
    "complete": "appointment.completed",
    "mark no-show": "appointment.no_show",
    "patient.opted_out": "patient.opted_out",
    "flag": "conversation.flagged",
}

_INSERT = PreparedInsert(
    AuditLog, "at", "actor", "action", "appointment", "patient", "detail"
)


def record(
    actor: Actor | str,
    action: str,
    now: dt.datetime,
    *,
    appointment_id: int | None = None,
    patient_id: int | None = None,
    **detail,
) -> None:
    """One audit row, in the caller's transaction (with its webhook deliveries)."""
    _INSERT.insert(
        at=to_db(now),
        actor=str(actor),
        action=action,
        appointment=appointment_id,
        patient=patient_id,
        detail=json.dumps(detail, default=str, sort_keys=True) if detail else "",
    )
    event = WEBHOOK_EVENTS.get(action)
    if event is not None:
        deliveries.emit(
            event,
            now,
            actor=str(actor),
            appointment_id=appointment_id,
            patient_id=patient_id,
            **detail,
        )
