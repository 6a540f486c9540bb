"""Clinic policy as an immutable value the pure rules can take.

The one writer of clinic_policy: its row is created at first start and
changed in the console's Settings (validated in core.staff.policy_edit).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, fields
from zoneinfo import ZoneInfo

from core.errors import InvalidInput
from core.models import ClinicPolicy
from core.storage.db import write_transaction
from core.storage.prepared import Prepared


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


_POLICY_FIELDS = [f.name for f in fields(Policy)]
# Read on every dialog turn, outbox round and scheduler tick; prepared once
# per process (core.prepared), and the Policy built once per stored version.
POLICY = Prepared(
    lambda policy_id: ClinicPolicy.select(
        *(getattr(ClinicPolicy, name) for name in _POLICY_FIELDS)
    ).where(ClinicPolicy.id == policy_id)
)


def load_policy() -> Policy:
    """The clinic's policy row as a Policy (defaults if none stored yet)."""
    row = POLICY.first(1)
    return Policy() if row is None else _policy_of(row)


@functools.lru_cache(maxsize=8)
def _policy_of(row: tuple) -> Policy:
    values = dict(zip(_POLICY_FIELDS, row, strict=True))
    values["reminder_leads"] = parse_leads(values["reminder_leads"])
    return Policy(**values)


def ensure_policy(timezone: str) -> ClinicPolicy:
    """Create the policy row on first start, in the configured time zone."""
    row = ClinicPolicy.get_or_none(ClinicPolicy.id == 1)
    if row is None:
        row = ClinicPolicy.create(id=1, timezone=timezone)
    return row


def save_policy(values: dict) -> ClinicPolicy:
    """Store changed rules (validated by the caller: core.staff.policy_edit)."""
    with write_transaction():
        ensure_policy(values.get("timezone", Policy.timezone))
        ClinicPolicy.update(**values).where(ClinicPolicy.id == 1).execute()
        return ClinicPolicy.get_by_id(1)
