"""Housekeeping: close stale waitlist offers and idle conversations, forget old rows."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

from core.dialog.states import EXPIRED_MARK, EXPIRING, MENU
from core.integrations import deliveries, idempotency
from core.jobs.offers import expire_offers
from core.messaging import conversations
from core.policy import Policy

# Idle conversations older than this were already reset or are abandoned;
# bounding the scan keeps the tick cheap on a large history.
LOOKBACK = dt.timedelta(days=7)


def expire_idle_conversations(policy: Policy, now: dt.datetime) -> int:
    """Send mid-flow conversations idle past the timeout back to the menu.

    The dialog applies the same rule when the next message comes; doing it
    here too keeps the staff view honest. Reminder and offer contexts are
    left open (the dialog's rule): their answers may come hours later.
    """
    idle = now - dt.timedelta(minutes=policy.idle_timeout_minutes)
    return conversations.expire_idle(
        states=EXPIRING,
        idle_before=idle,
        since=idle - LOOKBACK,
        to_state=MENU,
        # The dialog then opens with its "timed out" line, so a late "1"
        # meant as a time is not read as a menu choice.
        data=json.dumps({EXPIRED_MARK: True}),
    )


def run_housekeeping(policy: Policy, now: dt.datetime) -> Counter:
    """Expire offers (re-offering their slots) and idle conversations.

    Also forget what integrations no longer need: old idempotent answers and
    old webhook deliveries (each an indexed delete, usually of nothing).
    """
    counts: Counter = Counter()
    counts["offers_expired"] = expire_offers(policy, now)
    counts["conversations_expired"] = expire_idle_conversations(policy, now)
    counts["idempotency_purged"] = idempotency.purge(now)
    counts["webhook_deliveries_purged"] = deliveries.purge(now)
    return counts
