"""Patient texts the scheduler sends, and the context they are rendered with."""

from __future__ import annotations

import datetime as dt

from core import messages
from core.policy import Policy

LANGUAGES = messages.LANGUAGES

_WEEKDAYS = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "es": ("lun", "mar", "mié", "jue", "vie", "sáb", "dom"),
}
# Three letters each, so month m is [3 * (m - 1) : 3 * m].
_MONTHS = {
    "en": "JanFebMarAprMayJunJulAugSepOctNovDec",
    "es": "enefebmarabrmayjunjulagosepoctnovdic",
}
_AT = {"en": "at", "es": "a las"}


def render(lang: str, name: str, **ctx) -> str:
    """Render a message template through the shared core.messages renderer."""
    return messages.render(lang, name, **ctx)


def language_for(patient_language: str | None, policy: Policy) -> str:
    """The patient's language if we have texts in it, else the clinic's."""
    for lang in (patient_language, policy.default_language):
        if lang in LANGUAGES and lang in _WEEKDAYS:
            return lang
    return "en"


def day_text(moment: dt.datetime, lang: str) -> str:
    """'Mon 23 Nov' / 'lun 23 nov' for a local datetime."""
    lang = lang if lang in _WEEKDAYS else "en"
    weekday = _WEEKDAYS[lang][moment.weekday()]
    month = _MONTHS[lang][3 * (moment.month - 1) : 3 * moment.month]
    return f"{weekday} {moment.day} {month}"


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
    day = day_text(local, lang)
    time = local.strftime("%H:%M")
    return {
        "clinic": policy.clinic_name,
        "first_name": first_name or ("there" if lang == "en" else ""),
        "doctor": doctor,
        "day": day,
        "time": time,
        "when": f"{day} {_AT.get(lang, 'at')} {time}",
    }
