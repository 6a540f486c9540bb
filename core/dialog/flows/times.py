"""Choosing the time: day -> offered times -> summary -> booked (or moved).

Conversation data as in flows/booking.py; this part adds day (ISO date
asked for), offers ([[ISO start, doctor id], ...]) with shown (index of the
page on screen), and pick (the chosen offer).
"""

from __future__ import annotations

import datetime as dt

from core.dialog import states as S
from core.dialog import understand
from core.dialog.dateparse import AFTERNOON, EVENING, MORNING, parse_day_phrase
from core.dialog.flows.common import to_menu
from core.dialog.outcome import Book, Handler, JoinWaitlist, Outcome, Reschedule, Turn
from core.dialog.say import (
    join,
    labels,
    problem_text,
    reply,
    time_text,
    when_text,
)
from core.dialog.view import Slot
from core.errors import DomainError, SlotTaken, SlotUnavailable
from core.messaging.inbound import Reply
from core.messaging.texts import day_text

PAGE = 5
MAX_OFFERS = 20
WAITLIST_DAYS = 7


def local_today(turn: Turn) -> dt.date:
    """Today in the clinic's time zone."""
    return turn.now.astimezone(turn.policy.tz).date()


def doctor_ids(turn: Turn, data: dict) -> list[int]:
    """The doctors the patient's choices so far allow."""
    return turn.view.doctor_ids(data.get("dept"), data.get("doc"), data.get("vt"))


def ask_day(turn: Turn, data: dict, *lead: Reply) -> Outcome:
    """Ask which day, forgetting any times offered before."""
    data = {k: v for k, v in data.items() if k not in ("offers", "shown", "pick")}
    ask = reply(turn, "pick_day", labels(turn, "soonest"))
    return Outcome(S.PICK_DAY, data, join(*lead, ask) if lead else [ask])


def _in_part(moment: dt.datetime, part: str | None, turn: Turn) -> bool:
    hour = moment.astimezone(turn.policy.tz).hour
    return (
        part is None
        or (part == MORNING and hour < 12)
        or (part == AFTERNOON and 12 <= hour < 17)
        or (part == EVENING and hour >= 17)
    )


def _nearest_first(slots: list[Slot], at: dt.time, turn: Turn) -> list[Slot]:
    """The PAGE times nearest the one asked for (in order), then the rest."""

    def distance(slot: Slot) -> int:
        local = slot[0].astimezone(turn.policy.tz)
        return abs(local.hour * 60 + local.minute - (at.hour * 60 + at.minute))

    nearest = sorted(sorted(slots, key=distance)[:PAGE])
    return nearest + [slot for slot in slots if slot not in nearest]


def _offer(turn: Turn, data: dict, slots: list[Slot], *lead: Reply) -> Outcome:
    offers = [[start.isoformat(), doctor] for start, doctor in slots[:MAX_OFFERS]]
    data = data | {"offers": offers, "shown": 0}
    data.pop("pick", None)
    return _show_times(turn, data, *lead)


def _handle_day(turn: Turn) -> Outcome | None:
    data, today = turn.data, local_today(turn)
    ids = doctor_ids(turn, data)
    if understand.pick(turn.words, labels(turn, "soonest")) == 0:
        return _soonest(turn, data, ids, today)
    if turn.words.isdigit():
        return None
    phrase = parse_day_phrase(turn.text[:200], today, turn.lang, turn.policy.date_order)
    if phrase is None:
        return None
    if phrase.day is None:
        slots = turn.view.next_free(ids, today, data["min"], MAX_OFFERS)
    else:
        data = data | {"day": phrase.day.isoformat()}
        slots = turn.view.free_on(ids, phrase.day, data["min"])
    fitting = [slot for slot in slots if _in_part(slot[0], phrase.part, turn)]
    slots = fitting or slots
    if phrase.at is not None:
        slots = _nearest_first(slots, phrase.at, turn)
    if not slots:
        return _no_times(turn, data)
    return _offer(turn, data, slots)


def _soonest(turn: Turn, data: dict, ids: list[int], from_day: dt.date) -> Outcome:
    slots = turn.view.next_free(ids, from_day, data["min"], MAX_OFFERS)
    if not slots:
        lead = reply(turn, "no_times_at_all", count=turn.policy.horizon_days)
        return _no_times(turn, data | {"day": from_day.isoformat()}, lead)
    return _offer(turn, data, slots)


def _no_times_keys(data: dict) -> tuple[str, ...]:
    """The ways on from a day with no times; a move cannot wait on the waitlist.

    (Taking a waitlist offer books a new visit and would keep the old one.)
    """
    if data.get("move"):
        return ("next_available", "another_day")
    return ("next_available", "join_waitlist", "another_day")


def _no_times(turn: Turn, data: dict, lead: Reply | None = None) -> Outcome:
    day = dt.date.fromisoformat(data.get("day") or local_today(turn).isoformat())
    choices = labels(turn, *_no_times_keys(data))
    ask = reply(turn, "no_times", choices, day=day_text(day, turn.lang))
    data = {k: v for k, v in data.items() if k not in ("offers", "shown", "pick")}
    return Outcome(S.NO_TIMES, data, join(lead, ask) if lead else [ask])


def _handle_no_times(turn: Turn) -> Outcome | None:
    data = turn.data
    keys = _no_times_keys(data)
    index = understand.pick(turn.words, labels(turn, *keys))
    choice = keys[index] if index is not None else None
    day = dt.date.fromisoformat(data.get("day") or local_today(turn).isoformat())
    if choice == "next_available":
        ids = doctor_ids(turn, data)
        return _soonest(turn, data, ids, day + dt.timedelta(days=1))
    if choice == "join_waitlist":
        first = max(day, local_today(turn))
        who = (
            turn.view.names(data["doc"], None)[0]
            if data.get("doc")
            else turn.view.department_name(data["dept"])
            if data.get("dept")
            else turn.policy.clinic_name
        )
        join_it = JoinWaitlist(
            data.get("doc"),
            data.get("dept"),
            data.get("vt"),
            first.isoformat(),
            (first + dt.timedelta(days=WAITLIST_DAYS - 1)).isoformat(),
        )
        joined = reply(
            turn, "waitlist_joined", doctor=who, day=day_text(first, turn.lang)
        )
        return to_menu(turn, joined, effects=[join_it])
    if choice == "another_day":
        return ask_day(turn, data)
    return None


def _page(data: dict) -> list[list]:
    shown = data.get("shown", 0)
    return data.get("offers", [])[shown : shown + PAGE]


def _slot(offer: list) -> Slot:
    return dt.datetime.fromisoformat(offer[0]), offer[1]


def _time_labels(turn: Turn, page: list[list]) -> tuple[list[str], str | None]:
    """Option labels for a page of times, and the day if they share one."""
    slots = [_slot(offer) for offer in page]
    days = {start.astimezone(turn.policy.tz).date() for start, _ in slots}
    one_day = days.pop() if len(days) == 1 else None
    show = time_text if one_day else when_text
    doctors = {doctor for _, doctor in slots}
    names = {}
    if len(doctors) > 1:
        names = {d: turn.view.names(d, None)[0] for d in doctors}
    texts = [
        f"{show(start, turn)} {names[doctor]}" if names else show(start, turn)
        for start, doctor in slots
    ]
    return texts, day_text(one_day, turn.lang) if one_day else None


def _show_times(turn: Turn, data: dict, *lead: Reply) -> Outcome:
    texts, day = _time_labels(turn, _page(data))
    choices = texts + labels(turn, "more_times", "another_day")
    ask = reply(turn, "pick_time", choices, day=day or "")
    return Outcome(S.PICK_TIME, data, join(*lead, ask) if lead else [ask])


def _handle_time(turn: Turn) -> Outcome | None:
    data, page = turn.data, _page(turn.data)
    texts, _ = _time_labels(turn, page)
    index = understand.pick(
        turn.words, texts + labels(turn, "more_times", "another_day")
    )
    if index is None:
        wanted = understand.said_time(turn.words)
        for offer in page + data.get("offers", []):
            start, _ = _slot(offer)
            if wanted and start.astimezone(turn.policy.tz).time() == wanted:
                return _ask_confirm(turn, data | {"pick": offer})
        return None
    if index < len(page):
        return _ask_confirm(turn, data | {"pick": page[index]})
    if index == len(page):
        return _more(turn, data)
    return ask_day(turn, data)


def _more(turn: Turn, data: dict) -> Outcome:
    """The next page of times; when the list runs out, search the following days."""
    offers, shown = data.get("offers", []), data.get("shown", 0)
    if shown + PAGE < len(offers):
        return _show_times(turn, data | {"shown": shown + PAGE})
    last = _slot(offers[-1])[0] if offers else turn.now
    from_day = last.astimezone(turn.policy.tz).date() + dt.timedelta(days=1)
    slots = turn.view.next_free(doctor_ids(turn, data), from_day, data["min"], 10)
    if not slots:
        return _show_times(turn, data, reply(turn, "no_more_times"))
    return _offer(turn, data, slots)


def _ask_confirm(turn: Turn, data: dict) -> Outcome:
    start, doctor_id = _slot(data["pick"])
    doctor, _, visit_type = turn.view.names(doctor_id, data.get("vt"))
    name = "confirm_move" if data.get("move") else "confirm_booking"
    choices = labels(turn, "yes_book", "no_other_times")
    ask = reply(
        turn,
        name,
        choices,
        doctor=doctor,
        visit_type=visit_type,
        when=when_text(start, turn),
    )
    return Outcome(S.CONFIRM_BOOKING, data, [ask])


def _handle_confirm(turn: Turn) -> Outcome | None:
    data = turn.data
    answer = understand.yes_no(turn.words)
    index = understand.pick(turn.words, labels(turn, "yes_book", "no_other_times"))
    if answer is False or index == 1:
        return _show_times(turn, data)
    if not (answer is True or index == 0):
        return None
    start, doctor_id = _slot(data["pick"])
    doctor, _, visit_type = turn.view.names(doctor_id, data.get("vt"))
    when = when_text(start, turn)
    if data.get("move"):
        effect = Reschedule(data["move"], data["pick"][0], doctor_id)
        done = reply(turn, "moved", doctor=doctor, when=when)
    else:
        effect = Book(doctor_id, data["pick"][0], data.get("vt"))
        done = reply(turn, "booked", doctor=doctor, visit_type=visit_type, when=when)
    return to_menu(turn, done, effects=[effect])


def recover(turn: Turn, error: DomainError) -> Outcome:
    """After a booking or move failed: say why and offer the nearest free times."""
    data = turn.data
    if not isinstance(error, SlotTaken | SlotUnavailable):
        # Not about the time (e.g. the visit being moved was cancelled meanwhile).
        return to_menu(
            turn, reply(turn, "effect_failed", problem=problem_text(turn, error))
        )
    start, _ = _slot(data["pick"])
    lead_name = "slot_taken" if isinstance(error, SlotTaken) else "slot_unavailable"
    lead = reply(turn, lead_name, time=time_text(start, turn))
    ids = doctor_ids(turn, data)
    day = start.astimezone(turn.policy.tz).date()
    slots = [s for s in turn.view.free_on(ids, day, data["min"]) if s[0] != start]
    if slots:
        near = sorted(slots, key=lambda s: abs((s[0] - start).total_seconds()))
        return _offer(turn, data, sorted(near[:PAGE]) + sorted(near[PAGE:]), lead)
    slots = turn.view.next_free(
        ids, day + dt.timedelta(days=1), data["min"], MAX_OFFERS
    )
    if slots:
        return _offer(turn, data, slots, lead)
    return _no_times(turn, data | {"day": day.isoformat()}, lead)


def _reprompt_day(turn: Turn) -> Outcome:
    return ask_day(turn, turn.data)


HANDLERS = {
    S.PICK_DAY: Handler(_reprompt_day, _handle_day, "day"),
    S.PICK_TIME: Handler(lambda t: _show_times(t, t.data), _handle_time, "number"),
    S.NO_TIMES: Handler(lambda t: _no_times(t, t.data), _handle_no_times, "number"),
    S.CONFIRM_BOOKING: Handler(
        lambda t: _ask_confirm(t, t.data), _handle_confirm, "yes_no"
    ),
}
