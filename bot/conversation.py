"""The one way a channel runs the dialog: through the gateway, never raising."""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiohttp import web

from bot.texts import channel_text, patient_language
from console.keys import CLOCK, DISPATCHER, GATEWAY
from core.messaging.inbound import Inbound, Reply

log = logging.getLogger(__name__)


class Apology(Reply):
    """The reply when the dialog itself failed (the channel may queue it)."""


def dialog_entry() -> Callable[..., list[Reply]]:
    """core.dialog.handle_inbound, imported when first needed."""
    from core.dialog import handle_inbound

    return handle_inbound


async def converse(
    app: web.Application, inbound: Inbound, *, deliver: str
) -> list[Reply]:
    """Run one inbound message through the dialog; a failure becomes an apology.

    deliver="inline": replies are recorded as sent and the caller shows them
    (TwiML); deliver="outbox": replies are queued and the dispatcher is woken.
    """
    try:
        replies = await app[GATEWAY].run_write(
            dialog_entry(), inbound, app[CLOCK](), deliver=deliver
        )
    except Exception:
        # The patient gets a polite answer, staff get the traceback in the log.
        log.exception(
            "dialog failed for %s message %s", inbound.channel, inbound.provider_id
        )
        lang = await patient_language(app, inbound.channel, inbound.address)
        return [Apology(channel_text(lang, "sorry"))]
    if deliver == "outbox" and DISPATCHER in app:
        app[DISPATCHER].wake()
    return replies
