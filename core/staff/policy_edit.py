"""Edit the clinic's policy row (Settings page), validating every field."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.errors import InvalidInput
from core.models import ClinicPolicy
from core.policy import parse_leads, save_policy

LANGUAGES = ("en", "es")
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
        raise InvalidInput("The clinic name must be 1 to 120 characters.")
    clean["clinic_name"] = name
    timezone = str(values.get("timezone", "")).strip()
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"{timezone!r} is not a time zone like Europe/Madrid."
        ) from None
    clean["timezone"] = timezone
    if values.get("date_order") not in ("MDY", "DMY"):
        raise InvalidInput("Date order must be MDY or DMY.")
    clean["date_order"] = values["date_order"]
    if values.get("default_language") not in LANGUAGES:
        raise InvalidInput(f"Language must be one of {', '.join(LANGUAGES)}.")
    clean["default_language"] = values["default_language"]
    for field, (low, high) in BOUNDS.items():
        try:
            number = int(str(values.get(field, "")).strip())
        except ValueError:
            raise InvalidInput(
                f"{field.replace('_', ' ')} must be a whole number."
            ) from None
        if not low <= number <= high:
            raise InvalidInput(
                f"{field.replace('_', ' ')} must be between {low} and {high}."
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
                f"{field.replace('_', ' ')} must be a time like 21:00."
            ) from None
    clean["auto_cancel_unconfirmed"] = bool(values.get("auto_cancel_unconfirmed"))
    return save_policy(clean)
