"""Jinja filters: how times and statuses read on a console page."""

from __future__ import annotations

import datetime as dt


def hm(value: dt.datetime | dt.time | None) -> str:
    return value.strftime("%H:%M") if value else ""


def day(value: dt.date | None) -> str:
    return value.strftime("%a %d %b %Y") if value else ""


def short_day(value: dt.date | None) -> str:
    return value.strftime("%a %d %b") if value else ""


def when(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def label(value: str | None) -> str:
    """scheduled -> Scheduled, no_show -> No show."""
    return (value or "").replace("_", " ").capitalize()


# How each message channel reads to staff; "none" is a row that had nowhere to go.
CHANNEL_NAMES = {
    "sms": "SMS",
    "whatsapp": "WhatsApp",
    "telegram": "Telegram",
    "email": "Email",
    "console": "Simulator",
    "none": "No channel",
}


def channel(value: str | None) -> str:
    """sms -> SMS, whatsapp -> WhatsApp, console -> Simulator."""
    return CHANNEL_NAMES.get(value or "", (value or "").capitalize())


FILTERS = {
    "hm": hm,
    "day": day,
    "short_day": short_day,
    "when": when,
    "label": label,
    "channel": channel,
}
