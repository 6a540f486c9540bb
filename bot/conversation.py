"""The one way a channel runs the dialog: through the gateway.

The dialog answers every message itself, a bug included (its fallback logs
it, apologises and tells staff). What it cannot do is answer when the
database itself fails; then the channel still apologises, in the patient's
language if that can be looked up.
"""

from __future__ import annotations

import logging

from aiohttp import web

from bot.keys import CLOCK, DIALOG, DISPATCHER, GATEWAY
from bot.texts import channel_text, patient_language
from core.messaging.inbound import Inbound, Reply
from core.storage.db import DATABASE_ERRORS

log = logging.getLogger(__name__)


class Apology(Reply):
    """The reply when the dialog could not run (the channel may queue it)."""


async def converse(
    app: web.Application, inbound: Inbound, *, deliver: str
) -> list[Reply]:
    """Run one inbound message through the dialog; a database failure, an apology.

    deliver="inline": replies are recorded as sent and the caller shows them
    (TwiML); deliver="outbox": replies are queued and the dispatcher is woken.
    """
    try:
        replies = await app[GATEWAY].run_write(
            app[DIALOG], inbound, app[CLOCK](), deliver=deliver
        )
    except DATABASE_ERRORS:
        log.exception(
            "no database for %s message %s", inbound.channel, inbound.provider_id
        )
        lang = await patient_language(app, inbound.channel, inbound.address)
        return [Apology(channel_text(lang, "sorry"))]
    if deliver == "outbox" and DISPATCHER in app:
        app[DISPATCHER].wake()
    return replies
