"""Clinic policy as an immutable value the pure rules can take.

The one writer of clinic_policy: its row is created at first start and
changed in the console's Settings (validated in core.staff.policy_edit).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import unicodedata
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
    # What the bot tells patients, as stored: JSON per language (see fact()).
    facts: str = "{}"
    # Which doctors, departments and visit types the database holds (see
    # ClinicPolicy.catalog_stamp); 0 when unknown, and then nothing is cached.
    catalog_stamp: int = 0

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

    @functools.cached_property
    def _facts(self) -> dict[str, dict]:
        """facts parsed once per Policy; anything malformed reads as absent."""
        return parse_facts(self.facts)

    def _fallbacks(self, lang: str) -> list[str]:
        """Where to look for an answer: lang, the clinic's language, English."""
        return list(dict.fromkeys((lang, self.default_language, "en")))

    def fact(self, lang: str, key: str) -> str:
        """One fact (FACT_KEYS: address, phone, ...) in lang, or a fallback, or ""."""
        for code in self._fallbacks(lang):
            value = self._facts.get(code, {}).get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
        return ""

    def custom_facts(self, lang: str) -> list[tuple[str, str]]:
        """The clinic's own (question, answer) pairs in lang, or a fallback's."""
        for code in self._fallbacks(lang):
            pairs = fact_pairs(self._facts.get(code, {}).get("custom"))
            if pairs:
                return pairs
        return []


# How people write how long before a visit: "24 h", "1 day", "90 min".
_UNITS = {
    "d": 1440, "day": 1440, "days": 1440, "dia": 1440, "dias": 1440,
    "h": 60, "hr": 60, "hrs": 60, "hour": 60, "hours": 60, "hora": 60, "horas": 60,
    "m": 1, "min": 1, "mins": 1, "minute": 1, "minutes": 1, "minuto": 1,
    "minutos": 1,
}  # fmt: skip
_AMOUNT = re.compile(r"(\d+(?:[.]\d+)?)\s*([^\W\d_]*)")
_LEAD_EXAMPLE = "write them like 24 h, 3 h or 1 day, 2 hours"


def _plain(word: str) -> str:
    """ "días" -> "dias": units typed with or without accents."""
    return unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()


def _minutes(part: str) -> int:
    """ "1 day 2 hours" -> 1560; a bare number is minutes (the old form)."""
    total, rest = 0.0, part
    for amount, said in _AMOUNT.findall(part):
        unit = _plain(said)
        if unit not in _UNITS and unit != "":
            raise InvalidInput(
                f"Reminder times: {unit!r} is not a unit; {_LEAD_EXAMPLE}.",
                "reminder_leads",
            )
        total += float(amount) * _UNITS.get(unit, 1)
        rest = rest.replace(amount, "", 1).replace(said, "", 1)
    if rest.strip(" .") or not total:
        raise InvalidInput(
            f"Reminder times: {part.strip()!r} is not a length of time;"
            f" {_LEAD_EXAMPLE}.",
            "reminder_leads",
        )
    return round(total)


def parse_leads(text: str) -> tuple[int, ...]:
    """ "24 h, 3 h" (or "1440,180") -> (1440, 180) minutes, largest first."""
    parts = re.split(r",|;| and | y ", text.casefold())
    leads = {_minutes(part) for part in parts if part.strip()}
    if not leads:
        raise InvalidInput(
            f"Give at least one reminder time; {_LEAD_EXAMPLE}.", "reminder_leads"
        )
    if max(leads) > 30 * 1440:
        raise InvalidInput(
            "Reminder times must be within 30 days of the visit.", "reminder_leads"
        )
    return tuple(sorted(leads, reverse=True))


def lead_words(minutes: int) -> str:
    """1440 -> "1 day", 180 -> "3 hours", 1560 -> "1 day 2 hours", 45 -> "45 min"."""
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    words = []
    if days:
        words.append(f"{days} day{'s' if days > 1 else ''}")
    if hours:
        words.append(f"{hours} hour{'s' if hours > 1 else ''}")
    if mins:
        words.append(f"{mins} min")
    return " ".join(words)


# The facts a clinic can fill in per language, besides its custom Q&As.
FACT_KEYS = ("address", "phone", "hours", "parking", "bring")


def parse_facts(text: str) -> dict[str, dict]:
    """Stored facts JSON -> {lang: {key: value}}; malformed parts are dropped."""
    try:
        parsed = json.loads(text or "{}")
    except ValueError:
        return {}
    if not isinstance(parsed, dict):
        return {}
    return {
        lang: entry
        for lang, entry in parsed.items()
        if isinstance(lang, str) and isinstance(entry, dict)
    }


def fact_pairs(custom) -> list[tuple[str, str]]:
    """Stored [{"q": ..., "a": ...}] -> [(q, a)], skipping incomplete entries."""
    if not isinstance(custom, list):
        return []
    pairs = []
    for item in custom:
        if not isinstance(item, dict):
            continue
        question, answer = item.get("q"), item.get("a")
        if not (isinstance(question, str) and isinstance(answer, str)):
            continue
        if question.strip() and answer.strip():
            pairs.append((question.strip(), answer.strip()))
    return pairs


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
    # The stamp is the triggers' alone: writing back one read earlier would
    # let a process keep a catalog older than the database's.
    values = {name: v for name, v in values.items() if name != "catalog_stamp"}
    with write_transaction():
        ensure_policy(values.get("timezone", Policy.timezone))
        ClinicPolicy.update(**values).where(ClinicPolicy.id == 1).execute()
        return ClinicPolicy.get_by_id(1)
