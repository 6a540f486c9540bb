"""Answers that need no flow: questions, running late, small talk, never mind.

Each returns the Outcome for one message and leaves the patient where they
can go on (the menu, or the step they were at). A question the clinic's
facts cannot answer, and every question about health, goes to a person with
the patient's own words, and the patient is told so honestly.
"""

from __future__ import annotations

import datetime as dt

from rapidfuzz import fuzz

from core.dialog import states as S
from core.dialog.flows.common import greet, to_menu
from core.dialog.lexicon import CONCEPTS
from core.dialog.outcome import Outcome, RunningLate, Turn
from core.dialog.say import reply, time_text
from core.dialog.tokens import has_any, tokens
from core.messaging.texts import day_text

CUSTOM_MATCH = 72  # rapidfuzz token_set_ratio a clinic's own question must reach
FLAG_WORDS = 160  # of the patient's words kept in the flag staff read
WEEK = 7
_FACT_OF_TOPIC = {"address": "address", "phone": "phone", "parking": "parking",
                  "bring": "bring", "hours": "hours"}  # fmt: skip
_DAY_NAMES = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "es": ("lun", "mar", "mié", "jue", "vie", "sáb", "dom"),
}


def _flag(turn: Turn, why: str) -> str:
    words = " ".join(turn.text.split())
    if len(words) > FLAG_WORDS:
        words = words[: FLAG_WORDS - 1] + "…"
    return f'{why}: "{words}"'


def _stay(turn: Turn, *lead, **changes) -> Outcome:
    """Answer, and leave the patient at the menu, a task just done."""
    return Outcome(S.MENU, {"done": 1}, list(lead), **changes)


def to_staff(turn: Turn, why: str = "patient asked a question") -> Outcome:
    """A person will answer: say so, and flag the patient's words for staff."""
    if turn.reading.topic == "medical":
        line = reply(
            turn, "medical_to_staff", phone=turn.policy.fact(turn.lang, "phone")
        )
        why = "medical question"
    else:
        line = reply(turn, "question_to_staff")
    return _stay(turn, line, flag=_flag(turn, why))


def _concepts(words: str) -> set[str]:
    return {name for name, cues in CONCEPTS.items() if has_any(words, cues)}


def _custom_answer(turn: Turn) -> str | None:
    """The clinic's own answer whose question this is: same subject, or close words."""
    said = turn.reading.words
    about = _concepts(said)
    best, best_score = None, 0.0
    for question, answer in turn.policy.custom_facts(turn.lang):
        words = tokens(question)
        shared = len(about & _concepts(words))
        close = fuzz.token_set_ratio(said, words)
        if not shared and close < CUSTOM_MATCH:
            continue
        score = shared * 100 + close
        if score > best_score:
            best, best_score = answer, score
    return best


def _spans(hours: list[tuple[dt.time, dt.time]]) -> str:
    return ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in hours)


def _week_hours(turn: Turn) -> str:
    """ "Mon–Fri 08:00–19:00, Sat 09:00–13:00" from the next seven days' schedule."""
    names = _DAY_NAMES.get(turn.lang, _DAY_NAMES["en"])
    by_weekday: dict[int, str] = {}
    for offset in range(WEEK):
        day = turn.today + dt.timedelta(days=offset)
        hours = turn.view.open_hours(day)
        if hours:
            by_weekday[day.weekday()] = _spans(hours)
    groups: list[list] = []
    for weekday in sorted(by_weekday):
        if (
            groups
            and groups[-1][2] == by_weekday[weekday]
            and groups[-1][1] == weekday - 1
        ):
            groups[-1][1] = weekday
        else:
            groups.append([weekday, weekday, by_weekday[weekday]])
    return ", ".join(
        f"{names[a]}{'-' + names[b] if b != a else ''} {spans}"
        for a, b, spans in groups
    )


def _open_day(turn: Turn) -> Outcome:
    day = turn.reading.day
    hours = turn.view.open_hours(day)
    shown = day_text(day, turn.lang)
    if hours:
        return _stay(turn, reply(turn, "open_day_yes", day=shown, hours=_spans(hours)))
    following = next(
        (
            later
            for later in (day + dt.timedelta(days=n) for n in range(1, WEEK + 1))
            if turn.view.open_hours(later)
        ),
        None,
    )
    nxt = day_text(following, turn.lang) if following else ""
    return _stay(turn, reply(turn, "open_day_no", day=shown, next=nxt))


def question(turn: Turn) -> Outcome:
    """Answer from the clinic's facts and schedule, or hand the question on."""
    reading = turn.reading
    if reading.topic == "medical":
        return to_staff(turn)
    custom = _custom_answer(turn)
    if custom:
        return _stay(turn, reply(turn, "fact", answer=custom))
    if reading.topic == "open_day" and reading.day is not None:
        if reading.day < turn.today:
            return to_staff(turn)
        return _open_day(turn)
    if reading.topic == "hours":
        note = turn.policy.fact(turn.lang, "hours")
        if note:
            return _stay(turn, reply(turn, "fact", answer=note))
        week = _week_hours(turn)
        if week:
            return _stay(turn, reply(turn, "hours_week", hours=week))
    key = _FACT_OF_TOPIC.get(reading.topic or "")
    answer = turn.policy.fact(turn.lang, key) if key else ""
    if answer:
        return _stay(turn, reply(turn, "fact", answer=answer))
    return to_staff(turn)


def running_late(turn: Turn) -> Outcome:
    """Note it on today's next visit for staff; nobody needs to reply."""
    visits = [v for v in turn.view.today(turn.patient.id, turn.lang) if v.live]
    if not visits:
        lead = reply(turn, "late_no_visit")
        return _stay(turn, lead, flag=_flag(turn, "says they are running late"))
    soonest = min(
        visits, key=lambda v: abs((v.start - turn.now).total_seconds())
    )  # the visit about to start, not one this evening
    minutes = turn.reading.minutes
    note = turn.text.strip() or "running late"
    done = reply(
        turn, "late_noted", minutes=minutes or "", time=time_text(soonest.start, turn)
    )
    return _stay(turn, done, effects=[RunningLate(soonest.id, note)])


def small_talk(turn: Turn, prompt: Outcome | None = None) -> Outcome:
    """Hello and thanks are answered, never counted as a miss."""
    if prompt is not None:  # mid-flow: ask the step's question again, kindly
        prompt.understood = True
        return prompt
    if turn.reading.small == "greeting":
        return greet(turn)
    return Outcome(S.MENU, {"done": 1}, [reply(turn, "small_thanks")])


def leave(turn: Turn) -> Outcome:
    """Never mind: whatever was under way is dropped, nothing was changed."""
    return to_menu(turn, reply(turn, "left_flow"))
