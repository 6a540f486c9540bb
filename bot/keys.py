"""The typed application keys the channels need; console/keys.py adds the console's."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from core.messaging.inbound import Reply
from core.settings import Settings
from core.storage.gateway import Gateway

SETTINGS = web.AppKey("settings", Settings)
GATEWAY = web.AppKey("gateway", Gateway)
# A zero-argument callable returning aware UTC now; tests inject their own.
CLOCK = web.AppKey("clock")
# core.dialog.service.handle_inbound, as create_app sets it; tests may swap it.
DIALOG = web.AppKey("dialog", Callable[..., list[Reply]])
# The outbox dispatcher (bot.dispatcher.Dispatcher) of a web process.
DISPATCHER = web.AppKey("dispatcher")
# The python-telegram-bot Application, when TELEGRAM_BOT_TOKEN is set.
TELEGRAM = web.AppKey("telegram")
