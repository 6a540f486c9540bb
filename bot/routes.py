"""Channel wiring: webhook routes and provider clients (Twilio, Telegram)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from bot.dispatcher import build_dispatcher, dispatcher_ctx
from bot.keys import DISPATCHER, SETTINGS, TELEGRAM
from bot.telegram import WEBHOOK_PATH, telegram_ctx, telegram_webhook
from bot.twilio_sms import setup_twilio


async def _outbox_ctx(app: web.Application) -> AsyncIterator[None]:
    """The dispatcher, sending Telegram through the Application's bot if it runs."""
    telegram = app.get(TELEGRAM)
    app[DISPATCHER] = build_dispatcher(app, telegram.bot if telegram else None)
    async for _ in dispatcher_ctx(app):
        yield


def setup_channels(app: web.Application) -> None:
    """Register the channels' routes and cleanup contexts."""
    setup_twilio(app)
    app.router.add_post(WEBHOOK_PATH, telegram_webhook, name="telegram_webhook")
    # Order matters: the Telegram Application starts before the dispatcher
    # (which borrows its bot) and, cleanup running in reverse, stops after it.
    if app[SETTINGS].telegram_configured:
        app.cleanup_ctx.append(telegram_ctx)
    app.cleanup_ctx.append(_outbox_ctx)
