"""Housekeeping: close stale waitlist offers and idle conversations."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from core import waitlist
from core.clock import to_db
from core.models import Conversation
from core.policy import Policy

RESTING_STATE = "start"
# A reminder's reply context stays open longer than a chat does: the patient
# may answer it hours later, right up to the visit.
REMINDER_STATES = ("reminder",)
REMINDER_IDLE = dt.timedelta(hours=26)
# Idle conversations older than this were already reset or are abandoned;
# bounding the scan keeps the tick cheap on a large history.
LOOKBACK = dt.timedelta(days=7)


def expire_idle_conversations(policy: Policy, now: dt.datetime) -> int:
    """Put conversations idle past the timeout back at the start."""
    idle = now - dt.timedelta(minutes=policy.idle_timeout_minutes)
    reset = {
        Conversation.state: RESTING_STATE,
        Conversation.data: "{}",
        Conversation.misunderstood: 0,
    }
    chats = (
        Conversation.update(reset)
        .where(
            Conversation.updated_at < to_db(idle),
            Conversation.updated_at >= to_db(idle - LOOKBACK),
            Conversation.state.not_in((RESTING_STATE, *REMINDER_STATES)),
        )
        .execute()
    )
    reminders = (
        Conversation.update(reset)
        .where(
            Conversation.updated_at < to_db(now - REMINDER_IDLE),
            Conversation.updated_at >= to_db(now - REMINDER_IDLE - LOOKBACK),
            Conversation.state.in_(REMINDER_STATES),
        )
        .execute()
    )
    return chats + reminders


def run_housekeeping(policy: Policy, now: dt.datetime) -> Counter:
    """Expire offers (re-offering their slots) and idle conversations."""
    counts: Counter = Counter()
    counts["offers_expired"] = waitlist.expire_offers(policy, now)
    counts["conversations_expired"] = expire_idle_conversations(policy, now)
    return counts
