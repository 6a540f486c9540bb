"""Short answers the channels give outside the dialog, in the patient's language."""

from __future__ import annotations

import logging

from aiohttp import web

from console.keys import GATEWAY
from core.messaging.texts import render
from core.models import Patient
from core.policy import load_policy

log = logging.getLogger(__name__)


def language_for(channel: str, address: str) -> str:
    """The patient's language if we know them, else the clinic's default."""
    column = Patient.phone if channel == "sms" else Patient.telegram_chat_id
    known = Patient.select(Patient.language).where(column == address).first()
    return known.language if known else load_policy().default_language


def channel_text(lang: str, name: str) -> str:
    """templates/messages/<lang>/channel_<name>.txt, rendered."""
    return render(lang, f"channel_{name}").strip()


async def patient_language(app: web.Application, channel: str, address: str) -> str:
    """The language to answer in; English if even that cannot be looked up."""
    try:
        return await app[GATEWAY].run(language_for, channel, address)
    except Exception:  # the database is down: still answer, in English
        log.warning("could not look up the language of %s %s", channel, address)
        return "en"
