"""Time-of-day wishes: "after 4", "before work", "evenings only", "por la mañana".

A wish narrows the times offered; it is not a time to book. Read before the
day and time (dateparse) so "after 4pm" is not taken as "at 4pm".
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from core.dialog.dateparse import AFTERNOON, EVENING, MORNING

# Times people name by what they do rather than by the clock.
_ROUTINE = {
    "work": (dt.time(9), dt.time(17)),  # before work / after work
    "el trabajo": (dt.time(9), dt.time(17)),
    "trabajar": (dt.time(9), dt.time(17)),
    "school": (dt.time(8), dt.time(15)),
    "la escuela": (dt.time(8), dt.time(15)),
    "el colegio": (dt.time(8), dt.time(15)),
    "lunch": (dt.time(12), dt.time(13)),
    "comer": (dt.time(13), dt.time(15)),
    "la comida": (dt.time(13), dt.time(15)),
    "el almuerzo": (dt.time(12), dt.time(14)),
    "noon": (dt.time(12), dt.time(12)),
    "midday": (dt.time(12), dt.time(12)),
    "mediodia": (dt.time(12), dt.time(12)),
    "trabajo": (dt.time(9), dt.time(17)),
    "almuerzo": (dt.time(12), dt.time(14)),
    "colegio": (dt.time(8), dt.time(15)),
    "escuela": (dt.time(8), dt.time(15)),
    "comida": (dt.time(13), dt.time(15)),
    "medio dia": (dt.time(12), dt.time(12)),
}
_ROUTINES = "|".join(sorted(map(re.escape, _ROUTINE), key=len, reverse=True))
_CLOCK = (
    r"(?P<hour>\d{1,2})(?:[:.h](?P<minute>\d{2}))?\s*"
    r"(?P<mer>am|pm|a|p|hrs|h|o\s?clock)?(?:\s+(?P<part>de\s+la\s+(?:manana|tarde|noche)"
    r"|in\s+the\s+(?:morning|afternoon|evening)))?"
)
_WHEN = rf"(?:(?:the\s+)?(?:{_ROUTINES})\b|(?:las?\s+)?{_CLOCK}\b)"
_AFTER = re.compile(
    r"\b(?:after|afer|aftr|from|later\s+than|no\s+earlier\s+than|not\s+before"
    r"|starting\s+(?:at|from)?|any\s*time\s+after|despues\s+de(?:l)?|despues"
    r"|a\s+partir\s+de(?:l)?|desde|luego\s+de(?:l)?|mas\s+tarde\s+de)\s+"
    + _WHEN
    + r"|\b"
    + _WHEN.replace("?P<", "?P<b_")
    + r"\s+(?:or\s+later|onwards?|on|en\s+adelante|o\s+mas\s+tarde)\b"
)
_BEFORE = re.compile(
    r"\b(?:before|b4|by|earlier\s+than|no\s+later\s+than|not\s+after|until|till"
    r"|antes\s+de(?:l)?|antes|hasta|no\s+mas\s+tarde\s+de)\s+"
    + _WHEN
    + r"|\b"
    + _WHEN.replace("?P<", "?P<b_")
    + r"\s+(?:or\s+earlier|at\s+the\s+latest|como\s+muy\s+tarde|o\s+antes)\b"
)
_AROUND = re.compile(
    r"\b(?:around|arround|round|about|approx|approximately|like|sobre|como\s+a"
    r"|a\s+eso\s+de|alrededor\s+de|tipo|hacia|para\s+eso\s+de)\s+"
    + _WHEN
    + r"|\b(?P<b_hour>\d{1,2})(?::(?P<b_minute>\d{2}))?\s*(?P<b_mer>am|pm)?\s*ish\b"
)
_PARTS = (
    (
        MORNING,
        r"\b(?:mornings?|early|first\s+thing|primera\s+hora|in\s+the\s+am|am\s+only|a\s*m\s+please"
        r"|(?:por|en|de|a)\s+la\s+manana|las\s+mananas|temprano)\b",
    ),
    (
        AFTERNOON,
        r"\b(?:afternoons?|(?:por|en|de|a)\s+la\s+tarde|las\s+tardes|in\s+the\s+pm"
        r"|pm\s+only|mid\s+day)\b",
    ),
    (
        EVENING,
        r"\b(?:evenings?|tonight|nights?|late\s+(?:in\s+the\s+)?day"
        r"|(?:por|en|de|a)\s+la\s+noche|las\s+noches|after\s+dark)\b",
    ),
)
_PART_RES = tuple((part, re.compile(pattern)) for part, pattern in _PARTS)


# Minutes of the day each part covers. In Spanish la mañana runs to lunch at
# two, and la tarde on to about eight.
PARTS = {
    "en": {MORNING: (0, 720), AFTERNOON: (720, 1020), EVENING: (1020, 1440)},
    "es": {MORNING: (0, 840), AFTERNOON: (840, 1200), EVENING: (1140, 1440)},
}


def part_hours(part: str, lang: str) -> tuple[int, int]:
    return PARTS.get(lang, PARTS["en"])[part]


@dataclass(frozen=True)
class Wish:
    """The window a patient's times must fall in; all None means any time."""

    after: dt.time | None = None
    before: dt.time | None = None
    part: str | None = None
    around: dt.time | None = None  # "around 9": nearest first, not a limit

    def fits(self, local: dt.time, lang: str = "en") -> bool:
        if self.after is not None and local < self.after:
            return False
        if self.before is not None and local >= self.before:
            return False
        if self.part is None:
            return True
        start, end = part_hours(self.part, lang)
        return start <= local.hour * 60 + local.minute < end

    @property
    def limits(self) -> bool:
        return any((self.after, self.before, self.part))


def _clock(match: re.Match[str], prefix: str, side: int) -> dt.time | None:
    """The time a _WHEN match names; side picks a routine's start (0) or end (1)."""
    whole = match.group(0)
    for routine, times in _ROUTINE.items():
        if re.search(rf"\b{re.escape(routine)}\b", whole):
            return times[side]
    hour_text = match.group(prefix + "hour")
    if hour_text is None:
        return None
    hour, minute = int(hour_text), int(match.group(prefix + "minute") or 0)
    said = (match.group(prefix + "mer") or "") + (
        match.groupdict().get(prefix + "part") or ""
    )
    if any(word in said for word in ("pm", "p", "tarde", "noche", "afternoon")):
        hour += 12 if hour < 12 else 0
    elif "a" in said.replace("manana", "a") and hour == 12:
        hour = 0
    elif not said and 1 <= hour <= 7:
        hour += 12  # clinics are closed at 4 a.m.: "after 4" is 16:00
    if hour > 23 or minute > 59:
        return None
    return dt.time(hour, minute)


def _first(pattern: re.Pattern[str], text: str, side: int):
    for match in pattern.finditer(text):
        prefix = "b_" if match.group("b_hour") or _routine_only(match, "b_") else ""
        found = _clock(match, prefix, side)
        if found is not None:
            return found, match.span()
    return None, None


def _routine_only(match: re.Match[str], prefix: str) -> bool:
    return (
        match.group("hour") is None and match.groupdict().get(prefix + "hour") is None
    )


def read_wish(text: str) -> tuple[Wish, str]:
    """The wish in an already normalised text, and the text with it blanked out."""
    spans = []
    after, span = _first(_AFTER, text, 1)
    spans.append(span)
    before, span = _first(_BEFORE, text, 0)
    spans.append(span)
    around, span = _first(_AROUND, text, 0)
    spans.append(span)
    part = None
    for name, pattern in _PART_RES:
        if pattern.search(text):
            part = name
            break
    for span in spans:
        if span:
            start, end = span
            text = text[:start] + " " * (end - start) + text[end:]
    if after and before and after >= before:
        before = None  # "after 5 before 4" contradicts itself: keep the first
    return Wish(after, before, part, around), text
