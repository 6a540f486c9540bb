"""How fast outbound messages may go: the providers' rate limits, as configured.

The buckets themselves live in the database (core.messaging.pacing), so
every dispatcher process shares them.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.settings import Settings


@dataclass(frozen=True)
class RateLimits:
    """Messages per second; 0 lifts a limit. Defaults follow the providers' rules."""

    sms_per_number: float = 1.0
    telegram_overall: float = 25.0
    telegram_per_chat: float = 1.0
    # Twilio queues WhatsApp at 80 msg/s per sender by default; SMTP relays
    # commonly allow a few messages a second per account.
    whatsapp_per_sender: float = 20.0
    email_overall: float = 5.0

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimits:
        """The limits configured by CLINICBOT_{SMS,TELEGRAM,TELEGRAM_CHAT}_RATE."""
        return cls(
            settings.sms_rate, settings.telegram_rate, settings.telegram_chat_rate
        )

    def rate_for(self, key: str) -> float:
        """The limit for a rate key: sms:<number>, telegram, telegram:<chat>, ..."""
        if key.startswith("sms:"):
            return self.sms_per_number
        if key.startswith("whatsapp:"):
            return self.whatsapp_per_sender
        if key == "email":
            return self.email_overall
        if key == "telegram":
            return self.telegram_overall
        return self.telegram_per_chat
