"""Patient texts the scheduler sends, and the context they are rendered with."""

from __future__ import annotations

import datetime as dt

from core.dialog.say import day_text
from core.messaging import texts as messages
from core.policy import Policy

LANGUAGES = messages.LANGUAGES


def render(lang: str, name: str, **ctx) -> str:
    """Render a message template through the shared core.messages renderer."""
    return messages.render(lang, name, **ctx)


def choices(
    lang: str, keyed: tuple[tuple[str, str], ...]
) -> tuple[tuple[str, str], ...]:
    """(label key, value) pairs -> (label in the patient's language, value)."""
    return tuple((messages.label(lang, key), value) for key, value in keyed)


def language_for(patient_language: str | None, policy: Policy) -> str:
    """The patient's language if we have texts in it, else the clinic's."""
    for lang in (patient_language, policy.default_language):
        if lang in LANGUAGES:
            return lang
    return "en"


def visit_context(
    *,
    start: dt.datetime,
    lang: str,
    policy: Policy,
    first_name: str,
    doctor: str,
) -> dict[str, str]:
    """Template variables for a visit; the time is shown in the clinic's zone."""
    local = start.astimezone(policy.tz)
    day = day_text(local.date(), lang)
    time = local.strftime("%H:%M")
    return {
        "clinic": policy.clinic_name,
        "first_name": first_name or ("there" if lang == "en" else ""),
        "doctor": doctor,
        "day": day,
        "time": time,
        "when": f"{day}, {time}",  # as the dialog writes it
    }
