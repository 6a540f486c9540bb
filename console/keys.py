"""Every typed application key: the channels' (bot/keys.py) and the console's own."""

from __future__ import annotations

from aiohttp import web

from bot.keys import CLOCK, DIALOG, DISPATCHER, GATEWAY, SETTINGS, TELEGRAM

__all__ = [
    "CLOCK",
    "DIALOG",
    "DISPATCHER",
    "GATEWAY",
    "LIVE_FEED",
    "ROLE",
    "SCHEDULER_STATUS",
    "SESSION_CODEC",
    "SETTINGS",
    "TELEGRAM",
]

ROLE = web.AppKey("role", str)
# Returns {"running", "last_tick", "lag_seconds"}; set when a scheduler runs.
SCHEDULER_STATUS = web.AppKey("scheduler_status")
# Console: signs and reads session cookies (console.session.SessionCodec).
SESSION_CODEC = web.AppKey("session_codec")
# Console: fans out "something changed" to live pages (console.live.LiveFeed).
LIVE_FEED = web.AppKey("live_feed")
