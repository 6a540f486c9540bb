"""Patient-facing texts: Jinja2 templates per language, dates as patients read them,
and SMS segment counting.

Each text is templates/messages/<lang>/<name>.txt. Short button labels live in
templates/messages/<lang>/labels.cfg as `key = text` lines (each a tiny
template), kept out of *.txt because they are never sent on their own.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import unicodedata
from pathlib import Path

import jinja2

import templates
from core.policy import Policy

LANGUAGES = ("en", "es")
DEFAULT_LANGUAGE = "en"
# How the console names each language (staff pages, not patients' texts).
LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}
MESSAGES_DIR = Path(templates.__file__).parent / "messages"

# GSM 03.38: the basic set costs one septet, the extension set two.
_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENSION = set("^{}\\[~]|€\f")


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(MESSAGES_DIR)),
        undefined=jinja2.StrictUndefined,  # a missing variable is a bug, not ""
        autoescape=False,  # plain text, never HTML
        trim_blocks=True,
        lstrip_blocks=True,
    )


def language(lang: str | None) -> str:
    """A supported language code; anything else falls back to English."""
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


@functools.cache
def _template(lang: str, name: str) -> jinja2.Template:
    env = _environment()
    try:
        return env.get_template(f"{lang}/{name}.txt")
    except jinja2.TemplateNotFound:
        if lang == DEFAULT_LANGUAGE:
            raise
        return env.get_template(f"{DEFAULT_LANGUAGE}/{name}.txt")


def render(lang: str, name: str, **ctx) -> str:
    """Render templates/messages/<lang>/<name>.txt (English if it is missing)."""
    key = _plain_key(ctx)
    if key is None:
        return _template(language(lang), name).render(**ctx).strip()
    return _rendered(language(lang), name, key)


# Only plain values make a safe cache key: equal datetimes in two time zones,
# or 1 and True, would otherwise share one rendering.
_PLAIN = (str, int, bool, float, type(None))


def _plain_key(ctx: dict) -> tuple | None:
    if not all(type(value) in _PLAIN for value in ctx.values()):
        return None
    return tuple((name, type(value), value) for name, value in sorted(ctx.items()))


# A turn renders several texts and labels, mostly the same few with the same
# values ("What would you like to do?"); Jinja's per-render set-up cost more
# than the rest of a simple turn, so identical renders are remembered.
@functools.lru_cache(maxsize=4096)
def _rendered(lang: str, name: str, key: tuple) -> str:
    ctx = {field: value for field, _, value in key}
    return _template(lang, name).render(**ctx).strip()


@functools.cache
def _labels(lang: str) -> dict[str, jinja2.Template]:
    path = MESSAGES_DIR / lang / "labels.cfg"
    labels = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, _, text = line.partition("=")
        labels[key.strip()] = _environment().from_string(text.strip())
    return labels


def label(lang: str, key: str, **ctx) -> str:
    """A short button label from labels.cfg (English if the language lacks it)."""
    values = _plain_key(ctx)
    if values is None:
        return _label_template(language(lang), key).render(**ctx)
    return _rendered_label(language(lang), key, values)


def _label_template(lang: str, key: str) -> jinja2.Template:
    return _labels(lang).get(key) or _labels(DEFAULT_LANGUAGE)[key]


@functools.lru_cache(maxsize=4096)
def _rendered_label(lang: str, key: str, values: tuple) -> str:
    ctx = {field: value for field, _, value in values}
    return _label_template(lang, key).render(**ctx)


def label_keys(lang: str) -> list[str]:
    return list(_labels(language(lang)))


def template_files() -> list[Path]:
    """Every message template on disk, including ones other areas add."""
    return sorted(MESSAGES_DIR.glob("*/*.txt"))


def choices(
    lang: str, keyed: tuple[tuple[str, str], ...]
) -> tuple[tuple[str, str], ...]:
    """(label key, value) pairs -> (label in the patient's language, value)."""
    return tuple((label(lang, key), value) for key, value in keyed)


def language_for(patient_language: str | None, policy: Policy) -> str:
    """The patient's language if we have texts in it, else the clinic's."""
    for lang in (patient_language, policy.default_language):
        if lang in LANGUAGES:
            return lang
    return DEFAULT_LANGUAGE


_DAYS = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "es": ("lun", "mar", "mié", "jue", "vie", "sáb", "dom"),
}
_MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "es": ("ene", "feb", "mar", "abr", "may", "jun",
           "jul", "ago", "sep", "oct", "nov", "dic"),
}  # fmt: skip


def day_text(day: dt.date, lang: str) -> str:
    """'Mon 23 Nov' / 'lun 23 nov'."""
    lang = lang if lang in _DAYS else DEFAULT_LANGUAGE
    return f"{_DAYS[lang][day.weekday()]} {day.day} {_MONTHS[lang][day.month - 1]}"


def when_text(moment: dt.datetime, policy: Policy, lang: str) -> str:
    """'Mon 23 Nov, 10:30' in the clinic's time zone."""
    local = moment.astimezone(policy.tz)
    return f"{day_text(local.date(), lang)}, {local:%H:%M}"


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
    return {
        "clinic": policy.clinic_name,
        "first_name": first_name or ("there" if lang == "en" else ""),
        "doctor": doctor,
        "day": day_text(local.date(), lang),
        "time": local.strftime("%H:%M"),
        "when": when_text(start, policy, lang),
    }


def visit_text(
    name: str, *, patient, doctor: str, start: dt.datetime, policy: Policy, **extra
) -> tuple[str, str]:
    """(language, text) of a message about a visit, in the patient's language."""
    lang = language_for(patient.language, policy)
    context = visit_context(
        start=start,
        lang=lang,
        policy=policy,
        first_name=patient.first_name,
        doctor=doctor,
    )
    return lang, render(lang, name, **context, **extra)


def is_gsm7(text: str) -> bool:
    return all(ch in _GSM_BASIC or ch in _GSM_EXTENSION for ch in text)


def gsm_fold(text: str) -> str:
    """Text with accents GSM-7 lacks dropped (á -> a), if that makes it all GSM-7.

    A Spanish reply with one "á" is sent as UCS-2 at 70 characters a segment;
    folded, it fits 160. The SMS channel folds (bot.render.sms_text);
    Telegram shows the original. Text that still needs UCS-2 (emoji, other
    scripts) is returned unchanged, since folding would then save nothing.
    """
    if is_gsm7(text):
        return text
    folded = []
    for ch in text:
        if ch in _GSM_BASIC or ch in _GSM_EXTENSION:
            folded.append(ch)
            continue
        base = unicodedata.normalize("NFKD", ch)[0]
        folded.append(base if base in _GSM_BASIC else ch)
    result = "".join(folded)
    return result if is_gsm7(result) else text


def sms_segments(text: str) -> int:
    """How many SMS segments text needs (GSM-7 160/153, else UCS-2 70/67)."""
    if is_gsm7(text):
        units = sum(2 if ch in _GSM_EXTENSION else 1 for ch in text)
        single, multi = 160, 153
    else:
        units = len(text.encode("utf-16-le")) // 2  # emoji take two units
        single, multi = 70, 67
    if units <= single:
        return 1
    return math.ceil(units / multi)
