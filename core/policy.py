"""Clinic policy as an immutable value the pure rules can take."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from core.errors import InvalidInput
from core.models import ClinicPolicy


@dataclass(frozen=True)
class Policy:
    clinic_name: str = "ClinicBot Demo Clinic"
    timezone: str = "UTC"
    date_order: str = "MDY"
    default_language: str = "en"
    slot_minutes: int = 30
    buffer_minutes: int = 0
    min_notice_minutes: int = 60
    horizon_days: int = 60
    reminder_leads: tuple[int, ...] = (1440, 180)
    confirm_deadline_minutes: int = 15
    auto_cancel_unconfirmed: bool = True
    no_show_grace_minutes: int = 15
    quiet_start: dt.time = dt.time(21, 0)
    quiet_end: dt.time = dt.time(8, 0)
    idle_timeout_minutes: int = 30

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def slot(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.slot_minutes)

    @property
    def buffer(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.buffer_minutes)

    @property
    def min_notice(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.min_notice_minutes)


def parse_leads(text: str) -> tuple[int, ...]:
    """'1440,180' -> (1440, 180), largest first."""
    try:
        leads = {int(part) for part in text.split(",") if part.strip()}
    except ValueError:
        raise InvalidInput(
            "Reminder lead times must be minutes, e.g. 1440,180."
        ) from None
    if any(lead <= 0 for lead in leads):
        raise InvalidInput("Reminder lead times must be positive.")
    return tuple(sorted(leads, reverse=True))


def load_policy() -> Policy:
    """The clinic's policy row as a Policy (defaults if none stored yet)."""
    row = ClinicPolicy.get_or_none(ClinicPolicy.id == 1)
    if row is None:
        return Policy()
    return Policy(
        clinic_name=row.clinic_name,
        timezone=row.timezone,
        date_order=row.date_order,
        default_language=row.default_language,
        slot_minutes=row.slot_minutes,
        buffer_minutes=row.buffer_minutes,
        min_notice_minutes=row.min_notice_minutes,
        horizon_days=row.horizon_days,
        reminder_leads=parse_leads(row.reminder_leads),
        confirm_deadline_minutes=row.confirm_deadline_minutes,
        auto_cancel_unconfirmed=row.auto_cancel_unconfirmed,
        no_show_grace_minutes=row.no_show_grace_minutes,
        quiet_start=row.quiet_start,
        quiet_end=row.quiet_end,
        idle_timeout_minutes=row.idle_timeout_minutes,
    )


def ensure_policy(timezone: str) -> ClinicPolicy:
    """Create the policy row on first start, in the configured time zone."""
    row = ClinicPolicy.get_or_none(ClinicPolicy.id == 1)
    if row is None:
        row = ClinicPolicy.create(id=1, timezone=timezone)
    return row
