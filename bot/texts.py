"""Short answers the channels give outside the dialog, in the patient's language."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.keys import GATEWAY
from core.messaging.patients import language_of
from core.messaging.texts import render
from core.storage.db import DATABASE_ERRORS

log = logging.getLogger(__name__)


def channel_text(lang: str, name: str) -> str:
    """templates/messages/<lang>/channel_<name>.txt, rendered."""
    return render(lang, f"channel_{name}").strip()


async def patient_language(app: web.Application, channel: str, address: str) -> str:
    """The language to answer in; English if even that cannot be looked up."""
    try:
        return await app[GATEWAY].run(language_of, channel, address)
    except DATABASE_ERRORS:  # the database is down: still answer, in English
        log.warning("could not look up a %s patient's language", channel)
        return "en"
