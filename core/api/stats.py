"""The API's stats summary: the console's Stats figures (core.views.stats)."""

from __future__ import annotations

from core.api import schemas
from core.errors import InvalidInput
from core.policy import Policy
from core.views.stats import STATUSES, clinic_stats

MAX_DAYS = 366  # a summary is for a period, not the clinic's whole history


def summary(query: schemas.StatsQuery, policy: Policy) -> schemas.StatsSummary:
    if query.to < query.from_:
        raise InvalidInput("`to` is before `from`.", "to")
    if (query.to - query.from_).days >= MAX_DAYS:
        raise InvalidInput(f"Ask for at most {MAX_DAYS} days at a time.", "to")
    stats = clinic_stats(query.from_, query.to, policy)
    return schemas.StatsSummary(
        from_=stats.first,
        to=stats.last,
        total=stats.total,
        by_status={status: stats.by_status[status] for status in STATUSES},
        confirmation_rate=stats.confirmation_rate,
        no_show_rate=stats.no_show_rate,
        utilisation=stats.utilisation,
        auto_cancelled=stats.auto_cancelled,
    )
