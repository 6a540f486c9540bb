"""Read the day (and maybe the time) a patient typed, in English or Spanish."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

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
    # "next week", "in two weeks": the day is where to start looking, not the
    # only day that will do.
    open_ended: bool = False


def _words(words: Iterable[str]) -> str:
    """Regex alternation of words, longest first so "sept" is tried before "sep"."""
    return "|".join(sorted(words, key=len, reverse=True))


# A number glued to other numbers by / . - : is part of a date or a time.
_ALONE = r"(?<![\d/.:-])"
_NOT_GLUED = r"(?![a-z0-9]|[/.:-]\d)"
_ORDINAL = r"(?:st|nd|rd|th|ro|o)?"
_TIME_RE = re.compile(
    rf"(?P<at>\b(?:at|a\s+las?|de\s+las)\s+)?{_ALONE}(?P<hour>\d{{1,2}})"
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
_COUNTS = {
    "a": 1, "an": 1, "one": 1, "un": 1, "una": 1, "uno": 1, "two": 2, "dos": 2,
    "couple": 2, "couple of": 2, "three": 3, "tres": 3, "four": 4, "cuatro": 4,
    "five": 5, "cinco": 5, "six": 6, "seis": 6, "seven": 7, "siete": 7,
    "few": 3, "par de": 2,
}  # fmt: skip
_COUNT = rf"(?P<n>\d{{1,2}}|{_words(_COUNTS)})"
_IN_DAYS_RE = re.compile(
    rf"\b(?:in|within|en|dentro\s+de)\s+(?:a\s+|the\s+next\s+)?{_COUNT}\s+"
    r"(?P<unit>days?|dias?|weeks?|semanas?)\b"
)
_NEXT_WEEK_RE = re.compile(
    r"\b(?:next\s+week|the\s+week\s+after|la\s+semana\s+que\s+viene"
    r"|la\s+(?:proxima|siguiente)\s+semana|(?:proxima|siguiente)\s+semana"
    r"|semana\s+que\s+viene|la\s+semana\s+proxima)\b"
)
_THIS_WEEK_RE = re.compile(r"\b(?:this\s+week|esta\s+semana|later\s+this\s+week)\b")
_DAY_OF_MONTH_RE = re.compile(
    r"\b(?:(?:on\s+)?the\s+|el\s+(?:dia\s+)?|dia\s+)(?P<day>\d{1,2})"
    r"(?:st|nd|rd|th|ro|o)?\b(?!\s*(?:am|pm|h|min|minutes|hours?|days?|dias?))"
    r"|\b(?P<nth>\d{1,2})(?:st|nd|rd|th)\b"
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
    return " ".join(_spelled(word) for word in text.split())


_SHORTHAND = {"2day": "today", "2nite": "tonight", "nxt": "next", "wk": "week",
              "wks": "weeks", "2moro": "tomorrow", "2morrow": "tomorrow",
              "tmrrw": "tomorrow", "tmro": "tomorrow", "mñn": "manana"}  # fmt: skip
_FULL_WEEKDAYS = {
    name: words.split()[0]
    for words in _WEEKDAY_WORDS
    for name in words.split()
    if len(name) >= 5
}

_WEEKDAY_NAMES = list(_FULL_WEEKDAYS)  # rapidfuzz matches a dict's values


def _spelled(word: str) -> str:
    """Texting shorthand spelled out, and "wendsday" read as "wednesday"."""
    word = _SHORTHAND.get(word, word)
    if len(word) < 6 or not word.isalpha() or word in WEEKDAYS or word in MONTHS:
        return word  # short words are too close to others ("viene", "viernes")
    found = process.extractOne(word, _WEEKDAY_NAMES, scorer=fuzz.ratio, score_cutoff=80)
    if found is None or found[0][0] != word[0]:  # typos keep the first letter
        return word
    return _FULL_WEEKDAYS[found[0]]


normalize = _normalize  # for readers that run before parse_day_phrase (wishes)


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
    if match["daypart"] and hour < 6:
        return None  # "my 2 yr old, dec 3 in the morning": no clinic opens at 3
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


PAST_MONTHS = 3  # a date this many months back or less was a slip, not next year


def _upcoming(month: int, day: int, year: str | None, today: dt.date) -> dt.date | None:
    """The date; without a year, the next time it comes round (today included).

    A date a little in the past ("nov 20" on the 23rd) stays in the past, for
    the dialog to point out: nobody means eleven months from now.
    """
    if year is not None:
        return _safe_date(int(year) + (2000 if len(year) == 2 else 0), month, day)
    this_year = _safe_date(today.year, month, day)
    if this_year is not None and this_year >= today:
        return this_year
    if this_year is not None and (today - this_year).days <= PAST_MONTHS * 31:
        return this_year
    recent = _safe_date(today.year - 1, month, day)  # "dec 28" said on jan 3
    if recent is not None and (today - recent).days <= PAST_MONTHS * 31:
        return recent
    return _safe_date(today.year + 1, month, day)


def _day_of_month(day: int, today: dt.date) -> dt.date | None:
    """ "the 15th": this month's if still to come, else next month's."""
    if day == today.day or not 1 <= day <= 31:
        return today if day == today.day else None
    if day > today.day:
        found = _safe_date(today.year, today.month, day)
        if found:
            return found
    month, year = (today.month % 12) + 1, today.year + (today.month == 12)
    return _safe_date(year, month, day)


def _week_start(weeks: int, today: dt.date) -> dt.date:
    """The Monday that many weeks on."""
    return today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=weeks)


def _next_weekday(weekday: int, today: dt.date) -> dt.date:
    """The next such weekday strictly after today: "monday" on a Monday is a week on."""
    return today + dt.timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def _read_relative(
    message: _Message, today: dt.date, weekdays: dict[str, int]
) -> tuple[dt.date | None, bool]:
    """ "in 3 days", "next week", "tuesday next week", "in two weeks".

    With it, whether the day only says where to start looking (a week named).
    """
    weekday_re = re.compile(rf"\b(?:{_words(weekdays)})\b")
    if match := message.take(_IN_DAYS_RE):
        count = _COUNTS.get(match["n"]) or int(match["n"])
        if match["unit"].startswith(("day", "dia")):
            return today + dt.timedelta(days=count), False
        if day := message.take(weekday_re):
            week = _week_start(count, today)
            return week + dt.timedelta(days=weekdays[day[0]]), True
        return today + dt.timedelta(weeks=count), True
    if message.take(_NEXT_WEEK_RE):
        week = _week_start(1, today)
        if day := message.take(weekday_re):
            return week + dt.timedelta(days=weekdays[day[0]]), True
        return week, True
    if message.take(_THIS_WEEK_RE) and not weekday_re.search(message.text):
        return today, True
    return None, False


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

    def of_month(m: re.Match[str]) -> dt.date | None:
        return _day_of_month(int(m["day"] or m["nth"]), today)

    readers: tuple[tuple[re.Pattern[str], Callable, _Accept | None], ...] = (
        (_ISO_DATE_RE, _iso_date, None),
        # A dotted pair that is no valid date may still be a time ("15.30").
        (_NUMERIC_DATE_RE, numeric, lambda m: m["sep"] != "." or numeric(m)),
        (_DAY_MONTH_RE, named, None),
        (_MONTH_DAY_RE, named, None),
        (_DAY_OF_MONTH_RE, of_month, None),
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
    weekdays = _SPANISH_WEEKDAYS if lang == "es" else WEEKDAYS
    day, open_ended = _read_relative(message, today, weekdays)
    if day is None:
        day = _read_day(message, today, lang, date_order)
    if at is None and (match := message.take(_TIME_RE, _dotted_time)):
        at = _clock(match)
    part_match = _PART_RE.search(without_time) if at is None else None
    part = part_match.lastgroup if part_match else None
    if day is None and at is None and part is None:
        return None
    return DayPhrase(day=day, at=at, part=part, open_ended=open_ended)
