"""One scheduler tick: every job once, in an order where each feeds the next."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable

from core.jobs.deadlines import run_deadlines
from core.jobs.housekeeping import run_housekeeping
from core.jobs.no_shows import run_no_shows
from core.jobs.offers import offer_freed_slots
from core.jobs.reminders import run_reminders
from core.policy import Policy, load_policy

log = logging.getLogger(__name__)


def _waitlist(policy: Policy, now: dt.datetime) -> Counter:
    return Counter({"offers_made": offer_freed_slots(policy, now)})


# Deadlines free slots that the waitlist step then offers in the same tick;
# housekeeping runs last so an offer made this tick is not expired by it.
JOBS: tuple[tuple[str, Callable[[Policy, dt.datetime], Counter]], ...] = (
    ("reminders", run_reminders),
    ("deadlines", run_deadlines),
    ("waitlist", _waitlist),
    ("no_shows", run_no_shows),
    ("housekeeping", run_housekeeping),
)


def run_all(now: dt.datetime, policy: Policy | None = None) -> dict[str, int]:
    """Run every job once at `now` (aware); return counts of what each did.

    A failing job is logged and counted; the others still run, since a
    broken waitlist must not stop reminders.
    """
    if now.tzinfo is None:
        raise ValueError("run_all needs an aware datetime")
    policy = policy or load_policy()
    summary: Counter = Counter()
    for name, job in JOBS:
        try:
            summary.update(job(policy, now))
        except Exception:
            log.exception("scheduler job %s failed at %s", name, now.isoformat())
            summary["errors"] += 1
    return {key: value for key, value in sorted(summary.items()) if value}
