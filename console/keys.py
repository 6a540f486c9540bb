"""Typed application keys, kept together."""

from __future__ import annotations

from aiohttp import web

from core.settings import Settings
from core.storage.gateway import Gateway

SETTINGS = web.AppKey("settings", Settings)
GATEWAY = web.AppKey("gateway", Gateway)
ROLE = web.AppKey("role", str)
# A zero-argument callable returning aware UTC now; tests inject their own.
CLOCK = web.AppKey("clock")
# Returns {"running", "last_tick", "lag_seconds"}; set when a scheduler runs.
SCHEDULER_STATUS = web.AppKey("scheduler_status")
# Console: signs and reads session cookies (console.session.SessionCodec).
SESSION_CODEC = web.AppKey("session_codec")
# Console: fans out "something changed" to live pages (console.live.LiveFeed).
LIVE_FEED = web.AppKey("live_feed")
# The outbox dispatcher (bot.dispatcher.Dispatcher) of a web process.
DISPATCHER = web.AppKey("dispatcher")
# The python-telegram-bot Application, when TELEGRAM_BOT_TOKEN is set.
TELEGRAM = web.AppKey("telegram")
