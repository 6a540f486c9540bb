"""A cheap cross-process "has anything changed?" marker for live console pages.

Bookings change in the bot, the scheduler and the console, possibly in other
processes; every such change writes an audit row or a message row. The pair
of their highest ids only grows, so comparing it is enough to know.
"""

from __future__ import annotations

from peewee import fn

from core.models import AuditLog, Message


def change_marker() -> tuple[int, int]:
    """(max audit id, max message id): two primary-key lookups."""
    audit = AuditLog.select(fn.MAX(AuditLog.id)).scalar() or 0
    message = Message.select(fn.MAX(Message.id)).scalar() or 0
    return audit, message
