"""The appointment page's read model: the visit, its audit history, its messages."""

from __future__ import annotations

import datetime as dt

from core.clock import from_db
from core.messaging.outbox import shown_body
from core.models import LIVE_STATUSES, Appointment, Message
from core.policy import Policy
from core.views.history import visit_history
from core.views.schedule import visits_between


def appointment_detail(appointment_id: int, policy: Policy) -> dict | None:
    """One visit with its audit history and the messages about it."""
    row = Appointment.get_or_none(Appointment.id == appointment_id)
    if row is None:
        return None
    start = from_db(row.start)
    window = visits_between(start, start + dt.timedelta(seconds=1), policy, None)
    visit = next(v for v in window if v.id == appointment_id)
    history = visit_history(appointment_id, policy)
    messages = [
        {
            "id": m.id,
            "fallback_of": m.fallback_of,
            "at": from_db(m.created_at).astimezone(policy.tz),
            "direction": m.direction,
            "channel": m.channel,
            "body": shown_body(m.kind, m.body),
            "status": m.status,
            "error": " ".join(filter(None, [m.error_code, m.error_text])),
        }
        for m in Message.select()
        .where(Message.appointment == appointment_id)
        .order_by(Message.id)
    ]
    return {
        "visit": visit,
        "row": {
            "id": row.id,
            "created_via": row.created_via,
            "cancel_reason": row.cancel_reason or "",
            "cancelled_by": row.cancelled_by or "",
            "live": row.status in LIVE_STATUSES,
            "doctor_id": row.doctor_id,
            "patient_id": row.patient_id,
        },
        "history": history,
        "messages": messages,
    }
