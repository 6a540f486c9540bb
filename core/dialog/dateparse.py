"""Read the day (and maybe the time) a patient typed, in English or Spanish."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

MORNING, AFTERNOON, EVENING = "morning", "afternoon", "evening"
DATE_ORDERS = ("MDY", "DMY")

# Words are matched after accents are stripped, so "sábado" is listed as "sabado".
_MONTH_WORDS = (
    "january jan enero ene",
    "february feb febrero",
    "march mar marzo",
    "april apr abril abr",
    "may mayo",
    "june jun junio",
    "july jul julio",
    "august aug agosto ago",
    "september sept sep septiembre setiembre set",
    "october oct octubre",
    "november nov noviembre",
    "december dec diciembre dic",
)
_WEEKDAY_WORDS = (  # Monday first, as in date.weekday()
    "monday mon lunes lun",
    "tuesday tues tue martes",
    "wednesday weds wed wensday miercoles mier mie",
    "thursday thurs thur thu jueves jue",
    "friday fri viernes vie",
    "saturday sat sabado sab",
    "sunday sun domingo dom",
)
MONTHS = {w: n for n, words in enumerate(_MONTH_WORDS, 1) for w in words.split()}
WEEKDAYS = {w: n for n, words in enumerate(_WEEKDAY_WORDS) for w in words.split()}
# "mar" is March in both languages but also short for martes; only a Spanish
# speaker typing it without a day number means Tuesday.
_SPANISH_WEEKDAYS = WEEKDAYS | {"mar": 1}


@dataclass(frozen=True)
class DayPhrase:
    """When a patient asked for: a day, and a time or else a part of the day."""

    day: dt.date | None  # None if the text named only a time / part of day
    at: dt.time | None  # exact time if given ("3pm", "15:30", "a las 3")
    part: str | None  # MORNING | AFTERNOON | EVENING if given instead of a time


def _words(words: Iterable[str]) -> str:
    """Regex alternation of words, longest first so "sept" is tried before "sep"."""
    return "|".join(sorted(words, key=len, reverse=True))


# A number glued to other numbers by / . - : is part of a date or a time.
_ALONE = r"(?<![\d/.:-])"
_NOT_GLUED = r"(?![a-z0-9]|[/.:-]\d)"
_ORDINAL = r"(?:st|nd|rd|th|ro|o)?"
_TIME_RE = re.compile(
    rf"(?P<at>\b(?:at|a\s+las?)\s+)?{_ALONE}(?P<hour>\d{{1,2}})"
    r"(?:(?P<sep>[:.h])(?P<minute>\d{2}))?"
    r"(?:\s*(?P<meridiem>am|pm|hrs|hs|h|o\s?clock)|(?P<letter>[ap]))?"
    r"(?:\s+(?P<daypart>(?:de|en|por)\s+la\s+(?:manana|tarde|noche)"
    r"|in\s+the\s+(?:morning|afternoon|evening)|at\s+night))?" + _NOT_GLUED
)
_MERIDIEMS = dict.fromkeys(("am", "a", "manana", "morning"), "am") | dict.fromkeys(
    ("pm", "p", "tarde", "noche", "afternoon", "evening", "night"), "pm"
)
_NOON_RE = re.compile(r"\b(?:noon|midday|medio\s?dia)\b")
_ISO_DATE_RE = re.compile(
    rf"{_ALONE}(?P<year>\d{{4}})(?P<sep>[-/.])(?P<month>\d{{1,2}})(?P=sep)"
    r"(?P<day>\d{1,2})(?![\d/.:-])"
)
_NUMERIC_DATE_RE = re.compile(
    rf"{_ALONE}(?P<first>\d{{1,2}})(?P<sep>[-/.])(?P<second>\d{{1,2}})"
    r"(?:(?P=sep)(?P<year>\d{4}|\d{2}))?(?![\d/.:-])"
)
_DAY_MONTH_RE = re.compile(
    rf"\b(?P<day>\d{{1,2}}){_ORDINAL}\s+(?:(?:of|de)\s+)?(?P<month>{_words(MONTHS)})"
    r"\b(?:\s+(?:del?\s+)?(?P<year>20\d\d)\b)?"
)
_MONTH_DAY_RE = re.compile(
    rf"\b(?P<month>{_words(MONTHS)})\s+(?P<day>\d{{1,2}}){_ORDINAL}\b"
    r"(?:\s+(?P<year>20\d\d)\b)?"
)
_DAY_AFTER_TOMORROW_RE = re.compile(r"\b(?:day\s+after\s+tomorrow|pasado\s+manana)\b")
_TODAY_RE = re.compile(
    r"\b(?:today|hoy|tonight|tonite"
    r"|(?:this|esta)\s+(?:morning|afternoon|evening|manana|tarde|noche))\b"
)
# "la mañana" is the morning, not tomorrow ("mañana por la mañana").
_TOMORROW_RE = re.compile(
    r"\b(?:tomorrow|tomorow|tommorow|tommorrow|tmrw|tmr|tmw|tom|2morrow|2moro"
    r"|(?<!la )manana)\b"
)
_PART_RE = re.compile(
    r"\b(?:(?P<morning>morning|(?:la|esta)\s+manana|am)"
    r"|(?P<afternoon>afternoon|tarde|pm)"
    r"|(?P<evening>evening|tonight|tonite|night|noche))\b"
)


_Accept = Callable[[re.Match[str]], object]


class _Message:
    """The normalised text; each phrase is blanked once read so it counts once."""

    def __init__(self, text: str) -> None:
        self.text = text

    def take(
        self, pattern: re.Pattern[str], accept: _Accept | None = None
    ) -> re.Match[str] | None:
        """First match that accept() likes, blanked out of the text; else None."""
        for match in pattern.finditer(self.text):
            if accept is None or accept(match):
                start, end = match.span()
                self.text = self.text[:start] + " " * (end - start) + self.text[end:]
                return match
        return None


def _normalize(text: str) -> str:
    """Lower-case ASCII words, with punctuation kept only inside numbers."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"(?<![a-z])([ap])\.\s?m\b\.?", r"\1m", text)  # "p.m." -> "pm"
    text = re.sub(r"[^a-z0-9:/.@-]+", " ", text.replace("@", " at "))
    text = re.sub(r"(?<!\d)[:/.-]|[:/.-](?!\d)", " ", text)
    return " ".join(text.split())


def _meridiem(match: re.Match[str]) -> str | None:
    """Whether the words after the hour make it am or pm; None if they say neither."""
    said = match["meridiem"] or match["letter"] or match["daypart"] or "none"
    return _MERIDIEMS.get(said.split()[-1])  # "de la tarde" -> "tarde" -> "pm"


def _clock(match: re.Match[str]) -> dt.time | None:
    """The time a _TIME_RE match names, or None if it is no real time."""
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    meridiem = _meridiem(match)
    if meridiem == "am" and 1 <= hour <= 12:
        hour %= 12
    elif meridiem == "pm" and 1 <= hour <= 23:
        hour += 12 if hour < 12 else 0
    elif meridiem is not None:
        return None
    elif 1 <= hour <= 7 and not match["hour"].startswith("0"):
        # Clinics are closed at 3 a.m., so a bare "3" is 3 p.m.; "03" is 24-hour.
        hour += 12
    if hour > 23 or minute > 59:
        return None
    return dt.time(hour, minute)


def _said_time(match: re.Match[str]) -> bool:
    """A real time with something marking it as one, unlike a bare "2" or "3.12"."""
    marked = match["at"] or match["meridiem"] or match["letter"] or match["daypart"]
    return bool(marked or match["sep"] in (":", "h")) and _clock(match) is not None


def _dotted_time(match: re.Match[str]) -> bool:
    """A dotted pair such as 15.30 that did not read as a date."""
    return match["sep"] == "." and _clock(match) is not None


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    """The date, or None for 31 February and friends."""
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _iso_date(match: re.Match[str]) -> dt.date | None:
    """The date an ISO 2026-12-12 match names, or None if there is no such day."""
    return _safe_date(int(match["year"]), int(match["month"]), int(match["day"]))


def _upcoming(month: int, day: int, year: str | None, today: dt.date) -> dt.date | None:
    """The date; without a year, the next time it comes round (today included)."""
    if year is not None:
        return _safe_date(int(year) + (2000 if len(year) == 2 else 0), month, day)
    for candidate_year in (today.year, today.year + 1):
        candidate = _safe_date(candidate_year, month, day)
        if candidate is not None and candidate >= today:
            return candidate
    return None


def _next_weekday(weekday: int, today: dt.date) -> dt.date:
    """The next such weekday strictly after today: "monday" on a Monday is a week on."""
    return today + dt.timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def _read_day(
    message: _Message, today: dt.date, lang: str, date_order: str
) -> dt.date | None:
    """The day named in the message; None if none, or if the one named is invalid."""

    def numeric(m: re.Match[str]) -> dt.date | None:
        first, second = int(m["first"]), int(m["second"])
        month, day = (first, second) if date_order == "MDY" else (second, first)
        return _upcoming(month, day, m["year"], today)

    def named(m: re.Match[str]) -> dt.date | None:
        return _upcoming(MONTHS[m["month"]], int(m["day"]), m["year"], today)

    def offset(days: int) -> Callable[[re.Match[str]], dt.date]:
        return lambda m: today + dt.timedelta(days=days)

    weekdays = _SPANISH_WEEKDAYS if lang == "es" else WEEKDAYS
    readers: tuple[tuple[re.Pattern[str], Callable, _Accept | None], ...] = (
        (_ISO_DATE_RE, _iso_date, None),
        # A dotted pair that is no valid date may still be a time ("15.30").
        (_NUMERIC_DATE_RE, numeric, lambda m: m["sep"] != "." or numeric(m)),
        (_DAY_MONTH_RE, named, None),
        (_MONTH_DAY_RE, named, None),
        (_DAY_AFTER_TOMORROW_RE, offset(2), None),
        (_TODAY_RE, offset(0), None),
        (_TOMORROW_RE, offset(1), None),
        # "next friday" reads as plain "friday": the next one after today is
        # what most patients mean, so "next"/"próximo"/"que viene" are ignored.
        (
            re.compile(rf"\b(?:{_words(weekdays)})\b"),
            lambda m: _next_weekday(weekdays[m[0]], today),
            None,
        ),
    )
    for pattern, to_day, accept in readers:
        match = message.take(pattern, accept)
        if match is not None:
            return to_day(match)
    return None


def parse_day_phrase(
    text: str, today: dt.date, lang: str = "en", date_order: str = "MDY"
) -> DayPhrase | None:
    """Read a day (and maybe a time) a patient typed; None if nothing recognisable."""
    if date_order not in DATE_ORDERS:
        raise ValueError(f"date_order must be one of {DATE_ORDERS}, not {date_order!r}")
    if not isinstance(text, str):  # e.g. None from a message that had no text
        return None
    message = _Message(_normalize(text))
    # Times go first so "10 de la mañana" is used up before "mañana" means tomorrow.
    match = message.take(_TIME_RE, _said_time)
    at = _clock(match) if match else None
    if at is None and message.take(_NOON_RE):
        at = dt.time(12)
    without_time = message.text  # parts are read before "tonight" is used as a day
    day = _read_day(message, today, lang, date_order)
    if at is None and (match := message.take(_TIME_RE, _dotted_time)):
        at = _clock(match)
    part_match = _PART_RE.search(without_time) if at is None else None
    part = part_match.lastgroup if part_match else None
    if day is None and at is None and part is None:
        return None
    return DayPhrase(day=day, at=at, part=part)
