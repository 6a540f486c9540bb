"""FHIR search parameters: dates with prefixes, tokens, paging.

Pure parsing; a value FHIR cannot read is an InvalidInput naming the
parameter (a 400 OperationOutcome at the edge), so a search never quietly
ignores what it was asked.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from core.clock import UTC
from core.errors import InvalidInput

DEFAULT_COUNT = 100
MAX_COUNT = 1000
# Parameters any search takes besides its own; _format and _pretty change nothing.
PAGING = ("_count", "_offset")
IGNORED = ("_format", "_pretty")

Range = tuple[dt.datetime | None, dt.datetime | None]  # half-open, None: unbounded
# Dates outside these years are typing mistakes, and would overflow datetime.
MIN_YEAR, MAX_YEAR = 1900, 2200
_DATE = re.compile(
    r"(?P<prefix>eq|ne|gt|lt|ge|le|sa|eb|ap)?"
    r"(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:T(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<frac>\d{1,9}))?)?"
    r"(?P<zone>Z|[+-]\d{2}:\d{2})?)?)?)?"
)


def date_ranges(value: str, param: str, tz) -> list[Range]:
    """One date search value ('ge2026-11-24', 'lt2026-11-24T12:00Z') as the
    ranges of instants it accepts.

    A value stands for the span its precision gives (a day, a minute...);
    without a zone it is clinic time. The prefixes follow FHIR's rules for
    an instant target: eq in the span, ne outside, ge/le from the start or up
    to the end, gt/sa after it, lt/eb before it.
    """
    match = _DATE.fullmatch(value.strip())
    if match is None:
        raise InvalidInput(
            f"{param}={value!r} is not a FHIR date such as 2026-11-24 or"
            " ge2026-11-24T09:00:00Z.",
            param,
        )
    parts = match.groupdict()
    if parts["prefix"] == "ap":
        raise InvalidInput(f"{param}: the 'ap' prefix is not supported.", param)
    zone = tz
    if parts["zone"]:
        zone = UTC if parts["zone"] == "Z" else _offset(parts["zone"], param)
    if not MIN_YEAR <= int(parts["year"]) <= MAX_YEAR:
        raise InvalidInput(
            f"{param}: the year must be from {MIN_YEAR} to {MAX_YEAR}.", param
        )
    try:
        lo, hi = _span(parts, zone)
    except (ValueError, OverflowError):
        raise InvalidInput(f"{param}={value!r} is not a real date.", param) from None
    prefix = parts["prefix"] or "eq"
    return {
        "eq": [(lo, hi)],
        "ne": [(None, lo), (hi, None)],
        "gt": [(hi, None)],
        "sa": [(hi, None)],
        "lt": [(None, lo)],
        "eb": [(None, lo)],
        "ge": [(lo, None)],
        "le": [(None, hi)],
    }[prefix]


def _offset(text: str, param: str) -> dt.timezone:
    hours, minutes = int(text[1:3]), int(text[4:6])
    if hours > 14 or minutes > 59:
        raise InvalidInput(f"{param}: {text} is not a time zone offset.", param)
    delta = dt.timedelta(hours=hours, minutes=minutes)
    return dt.timezone(-delta if text[0] == "-" else delta)


def _span(parts: dict, zone) -> tuple[dt.datetime, dt.datetime]:
    """The instants [lo, hi) a date of this precision covers."""
    year = int(parts["year"])
    if parts["month"] is None:
        lo = dt.datetime(year, 1, 1, tzinfo=zone)
        return lo, lo.replace(year=year + 1)
    month = int(parts["month"])
    if parts["day"] is None:
        lo = dt.datetime(year, month, 1, tzinfo=zone)
        after = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
        return lo, after
    day = dt.date(year, month, int(parts["day"]))
    if parts["hour"] is None:
        lo = dt.datetime.combine(day, dt.time(0), tzinfo=zone)
        return lo, dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), zone)
    wall = dt.datetime.combine(
        day,
        dt.time(int(parts["hour"]), int(parts["minute"]), int(parts["second"] or 0)),
        tzinfo=zone,
    )
    if parts["frac"]:
        step = dt.timedelta(microseconds=1)
        wall += dt.timedelta(microseconds=int(parts["frac"][:6].ljust(6, "0")))
    elif parts["second"] is not None:
        step = dt.timedelta(seconds=1)
    else:
        step = dt.timedelta(minutes=1)
    return wall, wall + step


def in_ranges(moment: dt.datetime, ranges: list[Range]) -> bool:
    return any(
        (lo is None or moment >= lo) and (hi is None or moment < hi)
        for lo, hi in ranges
    )


@dataclass(frozen=True)
class Query:
    """A search's parameters: name -> every value sent (repeats are ANDed)."""

    params: tuple[tuple[str, str], ...]

    def values(self, name: str) -> list[str]:
        return [value for key, value in self.params if key == name]

    def one_of(self, name: str) -> list[str]:
        """A token or reference parameter: comma-separated values, ORed."""
        values = self.values(name)
        if len(values) > 1:
            raise InvalidInput(f"Send {name} once (commas separate choices).", name)
        if not values:
            return []
        choices = [v.strip() for v in values[0].split(",") if v.strip()]
        if not choices:
            raise InvalidInput(f"{name} is empty.", name)
        return choices

    def check(self, allowed: tuple[str, ...]) -> None:
        """400 on a parameter this search does not know: it would be ignored."""
        for key, _ in self.params:
            if key not in allowed + PAGING + IGNORED:
                raise InvalidInput(
                    f"Unknown search parameter {key!r}; this search takes"
                    f" {', '.join(allowed + PAGING)}.",
                    key,
                )

    def page(self) -> tuple[int, int]:
        """(_count, _offset), checked."""
        return (
            self._whole("_count", DEFAULT_COUNT, 0, MAX_COUNT),
            self._whole("_offset", 0, 0, 10**9),
        )

    def _whole(self, name: str, default: int, low: int, high: int) -> int:
        values = self.values(name)
        if not values:
            return default
        text = values[-1].strip()
        if not text.isdigit() or not low <= int(text) <= high:
            raise InvalidInput(
                f"{name} must be a whole number from {low} to {high}.", name
            )
        return int(text)

    def booleans(self, name: str) -> bool | None:
        choices = self.one_of(name)
        if not choices:
            return None
        if len(choices) > 1 or choices[0] not in ("true", "false"):
            raise InvalidInput(f"{name} must be true or false.", name)
        return choices[0] == "true"
