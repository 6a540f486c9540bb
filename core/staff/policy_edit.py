"""Edit the clinic's policy row (Settings page), validating every field."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.errors import InvalidInput
from core.messaging.texts import LANGUAGE_NAMES, LANGUAGES
from core.models import ClinicPolicy
from core.policy import (
    FACT_KEYS,
    Policy,
    fact_pairs,
    parse_facts,
    parse_leads,
    save_policy,
)

# What the bot tells patients: how staff see each fact, and its limits. An
# answer is about two SMS long; a question only has to be recognised and shown.
FACT_LABELS = {
    "address": "Address",
    "phone": "Phone",
    "hours": "Opening hours note",
    "parking": "Parking",
    "bring": "What to bring",
}
ANSWER_LIMIT = 260  # with the clinic's name, two SMS segments
QUESTION_LIMIT = 120
CUSTOM_LIMIT = 20
EMPTY_ROWS = 3  # blank question rows the Settings form offers for new ones
# field -> (lowest, highest) accepted, in the field's unit
BOUNDS = {
    "slot_minutes": (5, 240),
    "buffer_minutes": (0, 120),
    "min_notice_minutes": (0, 7 * 24 * 60),
    "horizon_days": (1, 365),
    "confirm_deadline_minutes": (0, 24 * 60),
    "no_show_grace_minutes": (0, 240),
    "idle_timeout_minutes": (1, 24 * 60),
}


def update_policy(values: dict) -> ClinicPolicy:
    """Apply validated values; raise InvalidInput naming the first bad field."""
    clean: dict = {}
    name = str(values.get("clinic_name", "")).strip()
    if not name or len(name) > 120:
        raise InvalidInput(
            "The clinic name must be 1 to 120 characters.", "clinic_name"
        )
    clean["clinic_name"] = name
    timezone = str(values.get("timezone", "")).strip()
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"{timezone!r} is not a time zone: pick one from the list,"
            " such as America/New_York or Europe/Madrid.",
            "timezone",
        ) from None
    clean["timezone"] = timezone
    if values.get("date_order") not in ("MDY", "DMY"):
        raise InvalidInput("Date order must be MDY or DMY.", "date_order")
    clean["date_order"] = values["date_order"]
    if values.get("default_language") not in LANGUAGES:
        raise InvalidInput(
            f"Language must be one of {', '.join(LANGUAGES)}.", "default_language"
        )
    clean["default_language"] = values["default_language"]
    for field, (low, high) in BOUNDS.items():
        try:
            number = int(str(values.get(field, "")).strip())
        except ValueError:
            raise InvalidInput(
                f"{field.replace('_', ' ')} must be a whole number.", field
            ) from None
        if not low <= number <= high:
            raise InvalidInput(
                f"{field.replace('_', ' ')} must be between {low} and {high}.", field
            )
        clean[field] = number
    clean["reminder_leads"] = ",".join(
        str(lead) for lead in parse_leads(str(values.get("reminder_leads", "")))
    )
    for field in ("quiet_start", "quiet_end"):
        try:
            clean[field] = dt.time.fromisoformat(str(values.get(field, "")).strip())
        except ValueError:
            raise InvalidInput(
                f"{field.replace('_', ' ')} must be a time like 21:00.", field
            ) from None
    clean["auto_cancel_unconfirmed"] = bool(values.get("auto_cancel_unconfirmed"))
    return save_policy(clean)


def _fact_text(value, what: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"{what} must be text.")
    text = value.strip()
    if len(text) > limit:
        raise InvalidInput(
            f"{what} is too long: at most {limit} characters (it has {len(text)})."
        )
    return text


def clean_facts(facts: dict) -> dict[str, dict]:
    """Validated facts {lang: {key: text, "custom": [{"q", "a"}]}}; blanks dropped.

    Raise InvalidInput naming the first bad field: an unknown language or
    fact, an answer over ANSWER_LIMIT, a question over QUESTION_LIMIT, a
    question without its answer (or the reverse), or more than CUSTOM_LIMIT
    questions in one language.
    """
    if not isinstance(facts, dict):
        raise InvalidInput("The facts must be given per language.")
    clean: dict[str, dict] = {}
    for lang, entry in facts.items():
        if lang not in LANGUAGES:
            raise InvalidInput(
                f"Language must be one of {', '.join(LANGUAGES)}.", "default_language"
            )
        if not isinstance(entry, dict):
            raise InvalidInput("The facts must be given per language.")
        language = LANGUAGE_NAMES.get(lang, lang)
        kept: dict = {}
        for key, value in entry.items():
            if key == "custom":
                continue
            if key not in FACT_KEYS:
                raise InvalidInput(f"{key!r} is not a fact the bot knows.")
            text = _fact_text(value, f"{language} {FACT_LABELS[key]}", ANSWER_LIMIT)
            if text:
                kept[key] = text
        custom = _clean_custom(entry.get("custom") or [], language)
        if custom:
            kept["custom"] = custom
        if kept:
            clean[lang] = kept
    return clean


def _clean_custom(items, language: str) -> list[dict]:
    if not isinstance(items, list | tuple):
        raise InvalidInput("Questions and answers must be a list.")
    custom = []
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise InvalidInput("Each question needs a question and an answer.")
        what = f"{language} question {number}"
        question = _fact_text(item.get("q"), what, QUESTION_LIMIT)
        answer = _fact_text(item.get("a"), f"The answer to {what}", ANSWER_LIMIT)
        if not question and not answer:
            continue  # an empty row of the form
        if not question or not answer:
            raise InvalidInput(f"{what} needs both a question and an answer.")
        custom.append({"q": question, "a": answer})
    if len(custom) > CUSTOM_LIMIT:
        raise InvalidInput(
            f"At most {CUSTOM_LIMIT} {language} questions and answers"
            f" (there are {len(custom)})."
        )
    return custom


def update_facts(facts: dict) -> ClinicPolicy:
    """Replace what the bot tells patients; any bad field changes nothing."""
    clean = clean_facts(facts)
    stored = json.dumps(clean, ensure_ascii=False, sort_keys=True)
    return save_policy({"facts": stored})


def facts_form(policy: Policy) -> dict[str, dict]:
    """The Settings form's values: each language's own facts, without fallbacks.

    {lang: {key: text, ..., "custom": [(q, a), ...]}}, the custom list ending
    in EMPTY_ROWS blank rows to add more.
    """
    stored = parse_facts(policy.facts)
    form = {}
    for lang in LANGUAGES:
        entry = stored.get(lang, {})
        values: dict = {
            key: entry[key] if isinstance(entry.get(key), str) else ""
            for key in FACT_KEYS
        }
        values["custom"] = fact_pairs(entry.get("custom")) + [("", "")] * EMPTY_ROWS
        form[lang] = values
    return form
