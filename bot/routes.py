"""Channel wiring: the webhooks as one route group, and the channels' resources."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from bot.dispatcher import build_dispatcher, dispatcher_ctx
from bot.keys import DISPATCHER, SETTINGS, TELEGRAM
from bot.telegram import WEBHOOK_PATH, telegram_ctx, telegram_webhook
from bot.twilio_sms import inbound_sms, status_callback

# path, handler, name: every webhook a provider posts to (none needs a login;
# each checks the provider's signature or secret first).
WEBHOOKS = [
    ("/webhooks/twilio/sms", inbound_sms, "twilio_sms"),
    ("/webhooks/twilio/status", status_callback, "twilio_status"),
    (WEBHOOK_PATH, telegram_webhook, "telegram_webhook"),
]


async def _outbox_ctx(app: web.Application) -> AsyncIterator[None]:
    """The dispatcher, sending Telegram through the Application's bot if it runs."""
    telegram = app.get(TELEGRAM)
    app[DISPATCHER] = build_dispatcher(app, telegram.bot if telegram else None)
    async for _ in dispatcher_ctx(app):
        yield


def setup_channels(app: web.Application) -> None:
    """Register the webhooks and the channels' cleanup contexts."""
    for path, handler, name in WEBHOOKS:
        app.router.add_post(path, handler, name=name)
    # Order matters: the Telegram Application starts before the dispatcher
    # (which borrows its bot) and, cleanup running in reverse, stops after it.
    if app[SETTINGS].telegram_configured:
        app.cleanup_ctx.append(telegram_ctx)
    app.cleanup_ctx.append(_outbox_ctx)
