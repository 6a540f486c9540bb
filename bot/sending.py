"""What every sender shares: the error a send raises, and how long one may take.

Kept apart from bot.providers so that a sender in its own module (bot.email)
and the registry of senders (bot.providers.senders_for) need not import each
other.
"""

from __future__ import annotations

SEND_TIMEOUT = 15.0  # seconds for one provider call, retries excluded


class SendError(Exception):
    """A send failed; permanent errors are not retried."""

    def __init__(
        self,
        text: str,
        *,
        code: str | None = None,
        permanent: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(text)
        self.code = code
        self.permanent = permanent
        self.retry_after = retry_after
