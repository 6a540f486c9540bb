"""Channel wiring: webhook routes and provider clients (Twilio, Telegram)."""

from __future__ import annotations

from aiohttp import web


def setup_channels(app: web.Application) -> None:
    """Register the channels' routes and cleanup contexts."""
