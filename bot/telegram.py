"""The python-telegram-bot Application inside our aiohttp app: webhook or polling.

With CLINICBOT_PUBLIC_URL set, Telegram posts updates to /webhooks/telegram
(checked against the secret token registered with set_webhook); otherwise the
Application long-polls. Without TELEGRAM_BOT_TOKEN none of this starts.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import AsyncIterator

from aiohttp import web
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.keys import SETTINGS, TELEGRAM
from bot.providers import TELEGRAM_POOL
from bot.telegram_http import AiohttpRequest
from bot.telegram_updates import WEB_APP, on_update, well_formed
from core.settings import Settings

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_PATH = "/webhooks/telegram"
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]


def webhook_secret(settings: Settings) -> str:
    """TELEGRAM_WEBHOOK_SECRET, or one derived from the secret key if unset."""
    if settings.telegram_webhook_secret:
        return settings.telegram_webhook_secret
    digest = hmac.new(
        settings.secret_key.encode(), b"telegram-webhook", hashlib.sha256
    ).hexdigest()
    return digest[:64]


def build_application(settings: Settings, web_app: web.Application) -> Application:
    """The Application: our one handler turns every update into a dialog turn."""
    builder = (
        Application.builder()
        .token(settings.telegram_bot_token)
        .request(AiohttpRequest(pool_size=TELEGRAM_POOL))
        .get_updates_request(AiohttpRequest(pool_size=1))
    )
    if settings.telegram_api_base_url:
        builder = builder.base_url(
            f"{settings.telegram_api_base_url}/bot"
        ).base_file_url(f"{settings.telegram_api_base_url}/file/bot")
    if settings.public_url:
        builder = builder.updater(None)  # webhook mode: our route feeds updates
    application = builder.build()
    application.bot_data[WEB_APP] = web_app
    application.add_handler(TypeHandler(Update, on_update))
    application.add_error_handler(_log_error)
    return application


async def _log_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    # The update itself holds names and texts: only its id goes in the log.
    update_id = getattr(update, "update_id", None)
    log.error("Telegram update %s failed", update_id, exc_info=context.error)


async def telegram_webhook(request: web.Request) -> web.Response:
    """Check the secret token, then process the update before answering 200."""
    settings: Settings = request.app[SETTINGS]
    if not settings.telegram_configured:
        raise web.HTTPNotFound(text="Telegram is not configured.")
    given = request.headers.get(SECRET_HEADER, "").encode()
    if not hmac.compare_digest(given, webhook_secret(settings).encode()):
        raise web.HTTPForbidden(text="Invalid secret token.")
    application = request.app.get(TELEGRAM)
    if application is None:
        # Telegram retries later; by then the bot may have started.
        raise web.HTTPServiceUnavailable(text="Telegram bot is not running.")
    update = await _update_from(request, application)
    if update is None:
        raise web.HTTPBadRequest(text="Malformed update.")
    # Processed before the 200: a crash now means Telegram delivers it again,
    # and the dialog ignores what it already recorded.
    await application.process_update(update)
    return web.Response(text="ok")


async def _update_from(request: web.Request, application: Application):
    """The posted Update, or None when it is not one we could act on.

    Update.de_json trusts its input: a string where an object belongs
    raises AttributeError, a message without a chat builds an object that
    fails later. Both are refused here, before any handler runs.
    """
    try:
        data = await request.json()
    except ValueError:
        return None
    if not isinstance(data, dict) or type(data.get("update_id")) is not int:
        return None
    try:
        update = Update.de_json(data, application.bot)
    except (AttributeError, KeyError, TypeError, ValueError):
        return None
    return update if well_formed(update) else None


async def telegram_ctx(app: web.Application) -> AsyncIterator[None]:
    """Start the Application (webhook or polling) and stop it at shutdown."""
    settings: Settings = app[SETTINGS]
    application = build_application(settings, app)
    try:
        await application.initialize()
    except TelegramError as exc:
        log.error("Telegram bot unavailable (%s); serving without it", exc)
        yield
        return
    app[TELEGRAM] = application
    await application.start()
    try:
        await _start_receiving(application, settings)
    except TelegramError as exc:
        log.error("could not start receiving Telegram updates: %s", exc)
    yield
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    await application.stop()
    await application.shutdown()


async def _start_receiving(application: Application, settings: Settings) -> None:
    if settings.public_url:
        url = settings.public_url + WEBHOOK_PATH
        await application.bot.set_webhook(
            url, secret_token=webhook_secret(settings), allowed_updates=ALLOWED_UPDATES
        )
        log.info("Telegram webhook registered at %s", url)
    else:
        await application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
        log.info("Telegram long polling started")
