"""How fast outbound messages may go: the providers' rate limits, per process."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from core.settings import Settings


@dataclass(frozen=True)
class RateLimits:
    """Messages per second; 0 lifts a limit. Defaults follow the providers' rules."""

    sms_per_number: float = 1.0
    telegram_overall: float = 25.0
    telegram_per_chat: float = 1.0

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimits:
        """The limits configured by CLINICBOT_{SMS,TELEGRAM,TELEGRAM_CHAT}_RATE."""
        return cls(
            settings.sms_rate, settings.telegram_rate, settings.telegram_chat_rate
        )

    def rate_for(self, key: str) -> float:
        """The limit for a rate key: sms:<number>, telegram, telegram:<chat>."""
        if key.startswith("sms:"):
            return self.sms_per_number
        if key == "telegram":
            return self.telegram_overall
        return self.telegram_per_chat


class RateLimiter:
    """A token bucket per key (GCRA), holding up to one second's worth of sends."""

    def __init__(self, limits: RateLimits) -> None:
        self.limits = limits
        self._tat: dict[str, dt.datetime] = {}  # theoretical arrival time per key
        self._lock = threading.Lock()

    def admit(self, keys: tuple[str, ...], now: dt.datetime) -> dt.datetime | None:
        """Take a token from every key and return None, or the time one is free."""
        with self._lock:
            earliest = now
            plans = []
            for key in keys:
                rate = self.limits.rate_for(key)
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
            if len(self._tat) > 10_000:
                self._forget(now)
            return None

    def _forget(self, now: dt.datetime) -> None:
        """Drop keys whose bucket is full again: they hold no information."""
        self._tat = {k: t for k, t in self._tat.items() if t > now}
