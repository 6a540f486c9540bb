"""Provider rate limits, shared by every dispatcher on the database.

The one writer of send_rate. A token bucket per key (GCRA: one
"theoretical arrival time" per key, holding up to one second's worth of
sends), kept in the database and read FOR UPDATE in the claim's own
transaction: three dispatchers in three processes together send at the
configured rate, not three times it. Keys name a sender and a channel
("sms:+15550009999", "telegram", "telegram:<chat id>").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from peewee import EXCLUDED

from core.clock import from_db, to_db
from core.models import SendRate
from core.storage.db import is_sqlite

EPOCH = dt.datetime(2000, 1, 1)  # a key never used: its bucket is full
FORGET_AFTER = dt.timedelta(minutes=10)  # a bucket full this long holds nothing

RateOf = Callable[[str], float]  # messages per second for a key; 0 = no limit


class Buckets:
    """The keys' arrival times, as loaded in one transaction; admit, then store."""

    def __init__(self, tat: dict[str, dt.datetime]) -> None:
        self._tat = tat
        self._changed: set[str] = set()

    @classmethod
    def load(cls, keys: Iterable[str], now: dt.datetime) -> Buckets:
        """Lock and read the keys' rows (new ones full), in the caller's transaction."""
        keys = sorted(set(keys))  # one order for every process: no deadlock
        if not keys:
            return cls({})
        SendRate.delete().where(SendRate.tat < to_db(now - FORGET_AFTER)).execute()
        SendRate.insert_many(
            [{"key": key, "tat": EPOCH} for key in keys]
        ).on_conflict_ignore().execute()
        query = SendRate.select(SendRate.key, SendRate.tat).where(
            SendRate.key.in_(keys)
        )
        if not is_sqlite():  # BEGIN IMMEDIATE serialises SQLite already
            query = query.order_by(SendRate.key).for_update()
        return cls({key: from_db(tat) for key, tat in query.tuples()})

    def admit(
        self, keys: tuple[str, ...], rate_of: RateOf, now: dt.datetime
    ) -> dt.datetime | None:
        """Take a token from every key and return None, or the time one is free.

        A refused send takes no token from any key, so a busy chat does not
        use up the bot's overall budget.
        """
        earliest = now
        plans = []
        for key in keys:
            rate = rate_of(key)
            if rate <= 0:
                continue
            interval = dt.timedelta(seconds=1 / rate)
            tolerance = interval * (max(rate, 1.0) - 1)
            tat = max(self._tat.get(key, now), now)
            earliest = max(earliest, tat - tolerance)
            plans.append((key, tat, interval))
        if earliest > now:
            return earliest
        for key, tat, interval in plans:
            self._tat[key] = tat + interval
            self._changed.add(key)
        return None

    def store(self) -> None:
        """Write back the keys this claim took tokens from."""
        if not self._changed:
            return
        rows = [
            {"key": key, "tat": to_db(self._tat[key])} for key in sorted(self._changed)
        ]
        SendRate.insert_many(rows).on_conflict(
            conflict_target=[SendRate.key], update={SendRate.tat: EXCLUDED.tat}
        ).execute()
        self._changed.clear()
