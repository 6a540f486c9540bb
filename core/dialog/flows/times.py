"""Choosing the time: day -> offered times -> summary -> booked (or moved).

Conversation data as in flows/booking.py; this part adds day (ISO date
asked for), offers ([[ISO start, doctor id], ...]) with shown (index of the
page on screen), and pick (the chosen offer).
"""

from __future__ import annotations

import datetime as dt

from core.dialog import states as S
from core.dialog import understand
from core.dialog.flows.common import to_menu
from core.dialog.intents import Reading
from core.dialog.outcome import Book, Handler, JoinWaitlist, Outcome, Reschedule, Turn
from core.dialog.say import (
    join,
    labels,
    problem_text,
    reply,
    time_text,
    when_text,
)
from core.dialog.tokens import has_any
from core.dialog.view import Slot
from core.dialog.wishes import Wish, part_hours
from core.errors import DomainError, SlotTaken, SlotUnavailable
from core.messaging.inbound import Reply
from core.messaging.texts import day_text, label

PAGE = 5
MAX_OFFERS = 20
SEARCH = 80  # free times looked through for ones that fit a wish
WAITLIST_DAYS = 7
# Wishes kept in the conversation data, as the Reading gave them.
WISH_KEYS = ("day", "at", "after", "before", "part", "open")
_FIRST = ("first", "first one", "the first", "the first one", "earliest",
          "the earliest", "el primero", "la primera", "primero", "primera",
          "la mas temprana", "el mas temprano", "lo mas temprano", "mas temprano",
          "mas temprana", "soonest", "the soonest", "cuanto antes",
          "lo antes posible")  # fmt: skip
_LAST = ("last", "the last", "last one", "the last one", "latest", "el ultimo",
         "la ultima", "ultimo", "ultima", "la mas tarde", "el mas tarde",
         "lo mas tarde", "the latest", "latest one")  # fmt: skip
_MORE = ("more", "more times", "other times", "something else", "none of these",
         "none of those", "anything else", "later", "anything later", "mas",
         "otras", "otras horas", "mas horas", "ninguna", "otra", "none")  # fmt: skip
_WAITLIST = ("waitlist", "wait list", "waiting list", "lista de espera",
             "let me know", "tell me if", "avisame", "avisenme",
             "me avisan")  # fmt: skip
_NEXT = ("next", "next free", "next available", "soonest", "siguiente",
         "proximo", "lo antes posible", "asap", "whenever")  # fmt: skip


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


def _hhmm(value: dt.time | None) -> str | None:
    return value.strftime("%H:%M") if value else None


def wish_data(reading: Reading) -> dict:
    """The day, time and window a message asked for, as conversation data."""
    wish = reading.wish
    data = {
        "day": reading.day.isoformat() if reading.day else None,
        "at": _hhmm(reading.at),
        "after": _hhmm(wish.after),
        "before": _hhmm(wish.before),
        "part": wish.part,
        "open": True if reading.open_ended else None,
    }
    return {key: value for key, value in data.items() if value is not None}


def has_wish(data: dict) -> bool:
    return any(data.get(key) for key in ("day", "at", "after", "before", "part"))


def _time(value) -> dt.time | None:
    return dt.time.fromisoformat(value) if value else None


def wish_of(data: dict) -> Wish:
    return Wish(_time(data.get("after")), _time(data.get("before")), data.get("part"))


def _local(slot: Slot, turn: Turn) -> dt.datetime:
    return slot[0].astimezone(turn.policy.tz)


def _wish_text(turn: Turn, wish: Wish) -> str:
    """ "in the afternoon after 16:30", from the labels in the patient's language."""
    said = [label(turn.lang, f"wish_{wish.part}")] if wish.part else []
    if wish.after:
        said.append(f"{label(turn.lang, 'wish_after')} {_hhmm(wish.after)}")
    if wish.before:
        said.append(f"{label(turn.lang, 'wish_before')} {_hhmm(wish.before)}")
    return " ".join(said)


def _distance(slot: Slot, wish: Wish, turn: Turn) -> int:
    """Minutes from a time to the window wished for (0 inside it)."""
    local = _local(slot, turn)
    minute = local.hour * 60 + local.minute
    lo = (wish.after.hour * 60 + wish.after.minute) if wish.after else None
    hi = (wish.before.hour * 60 + wish.before.minute) if wish.before else None
    if wish.part:
        start, end = part_hours(wish.part, turn.lang)
        lo, hi = lo or start, hi or end
    if lo is not None and minute < lo:
        return lo - minute
    if hi is not None and minute >= hi:
        return minute - hi + 1
    return 0


def search(turn: Turn, data: dict, *lead: Reply) -> Outcome:
    """Offer the times that fit what the patient asked for, or say what is nearest.

    An exact day and time that is free goes straight to the one question
    left: "Book ... ?".
    """
    data = {k: v for k, v in data.items() if k not in ("offers", "shown", "pick")}
    ids, today = doctor_ids(turn, data), local_today(turn)
    day = dt.date.fromisoformat(data["day"]) if data.get("day") else None
    at, wish = _time(data.get("at")), wish_of(data)
    if day is not None and day < today:
        data.pop("day")
        past = reply(turn, "day_past", day=day_text(day, turn.lang))
        return ask_day(turn, data, *lead, past)
    if day is not None and not data.get("open"):
        slots = turn.view.free_on(ids, day, data["min"])
    else:
        slots = turn.view.next_free(ids, day or today, data["min"], SEARCH)
    notes = list(lead)
    if not slots and day is not None:
        return _no_times(turn, data, *notes)  # next free day, waitlist, another
    if not slots:
        lead_line = reply(turn, "no_times_at_all", count=turn.policy.horizon_days)
        return _no_times(turn, data | {"day": today.isoformat()}, lead_line)
    fitting = [s for s in slots if wish.fits(_local(s, turn).time(), turn.lang)]
    if wish.limits and not fitting:
        shown_day = day_text(day, turn.lang) if day and not data.get("open") else ""
        notes.append(reply(turn, "no_fit", wish=_wish_text(turn, wish), day=shown_day))
        nearest = sorted(sorted(slots, key=lambda s: _distance(s, wish, turn))[:PAGE])
        fitting = nearest + [slot for slot in slots if slot not in nearest]
    if at is not None:
        exact = [s for s in fitting if _local(s, turn).time() == at]
        fitting = _nearest_first(fitting, at, turn)
        if exact and day is not None:
            # "No, other times" then shows the nearest times of that day.
            offers = [[start.isoformat(), doctor] for start, doctor in fitting]
            pick = [exact[0][0].isoformat(), exact[0][1]]
            data |= {"offers": offers[:MAX_OFFERS], "shown": 0, "pick": pick}
            return _ask_confirm(turn, data)
        if not exact:
            notes.append(reply(turn, "not_free_at", time=_hhmm(at)))
    return _offer(turn, data, fitting, *notes)


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
    if understand.pick(turn.words, labels(turn, "soonest")) == 0 or (
        has_any(turn.reading.words, _NEXT) and not turn.reading.when
    ):
        return _soonest(turn, data, ids, today)
    if turn.words.isdigit():
        return None
    wished = wish_data(turn.reading)
    if not has_wish(wished):
        return None
    kept = {k: v for k, v in data.items() if k not in WISH_KEYS}
    if not wished.get("day"):  # "evenings only": keep the day asked before
        kept |= {k: data[k] for k in ("day", "open") if k in data}
    return search(turn, kept | wished)


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


def _no_times(turn: Turn, data: dict, *lead: Reply) -> Outcome:
    day = dt.date.fromisoformat(data.get("day") or local_today(turn).isoformat())
    choices = labels(turn, *_no_times_keys(data))
    ask = reply(turn, "no_times", choices, day=day_text(day, turn.lang))
    data = {k: v for k, v in data.items() if k not in ("offers", "shown", "pick")}
    lead = tuple(line for line in lead if line is not None)
    return Outcome(S.NO_TIMES, data, join(*lead, ask) if lead else [ask])


def _handle_no_times(turn: Turn) -> Outcome | None:
    data = turn.data
    keys = _no_times_keys(data)
    index = understand.pick(turn.words, labels(turn, *keys))
    choice = keys[index] if index is not None else None
    words = turn.reading.words
    if choice is None and "join_waitlist" in keys and has_any(words, _WAITLIST):
        choice = "join_waitlist"
    elif choice is None and has_any(words, _NEXT) and not turn.reading.when:
        choice = "next_available"
    elif choice is None and has_wish(wish_data(turn.reading)):
        kept = {k: v for k, v in data.items() if k not in WISH_KEYS}
        return search(turn, kept | wish_data(turn.reading))
    day = dt.date.fromisoformat(data.get("day") or local_today(turn).isoformat())
    if choice == "next_available":
        ids = doctor_ids(turn, data)
        return _soonest(turn, data, ids, day + dt.timedelta(days=1))
    if choice == "join_waitlist":
        first = max(day, local_today(turn))
        who = (
            turn.view.names(data["doc"], None)[0]
            if data.get("doc")
            else turn.view.department_name(data["dept"], turn.lang)
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
        return _time_in_words(turn, data, page)
    if index < len(page):
        return _ask_confirm(turn, data | {"pick": page[index]})
    if index == len(page):
        return _more(turn, data)
    return ask_day(turn, data)


def _time_in_words(turn: Turn, data: dict, page: list[list]) -> Outcome | None:
    """ "the 10:30 one", "3 pm", "the one on monday", "dr ortiz", "the first"."""
    reading, offers = turn.reading, data.get("offers", [])
    words = reading.words
    if not page:
        return None
    if has_any(words, _LAST) and not reading.when:
        return _ask_confirm(turn, data | {"pick": page[-1]})
    if has_any(words, _FIRST) or (reading.any_doctor and not reading.when):
        return _ask_confirm(turn, data | {"pick": page[0]})  # "whoever", "me da igual"
    if reading.answer is True and not reading.when:
        # "yes" to "14:00 is not free; these are the nearest": the nearest one.
        wanted, slots = _time(data.get("at")), [_slot(o) for o in page]
        chosen = _nearest_first(slots, wanted, turn)[0] if wanted else slots[0]
        return _ask_confirm(turn, data | {"pick": [chosen[0].isoformat(), chosen[1]]})
    matches = list(page) + [o for o in offers if o not in page]
    if reading.at is not None:
        matches = [o for o in matches if _local(_slot(o), turn).time() == reading.at]
    if reading.day is not None:
        matches = [o for o in matches if _local(_slot(o), turn).date() == reading.day]
    if reading.doctor_id:
        matches = [o for o in matches if o[1] == reading.doctor_id]
    narrowed = reading.at or reading.day or reading.doctor_id
    if narrowed and matches and (len(matches) == 1 or reading.at):
        return _ask_confirm(turn, data | {"pick": matches[0]})
    if narrowed and matches and reading.day and not reading.wish.limits:
        if all(o in matches for o in page):  # every time shown is that day's
            return _ask_confirm(turn, data | {"pick": matches[0]})
        day_offers = matches  # "the one on monday" among several: that day's times
        return _show_times(turn, data | {"offers": day_offers, "shown": 0})
    if reading.doctor_id and reading.doctor_id != data.get("doc"):
        return None  # another doctor altogether: the caller starts again
    if has_wish(wish_data(reading)):
        kept = {k: v for k, v in data.items() if k not in WISH_KEYS}
        if not reading.day:
            kept |= {k: data[k] for k in ("day", "open") if k in data}
        return search(turn, kept | wish_data(reading))
    if has_any(words, _MORE):
        return _more(turn, data)
    return None


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
    doctor, _, visit_type = turn.view.names(doctor_id, data.get("vt"), turn.lang)
    name = "confirm_move" if data.get("move") else "confirm_booking"
    yes = "yes_move" if data.get("move") else "yes_book"
    choices = labels(turn, yes, "no_other_times")
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
    answer = turn.answer
    if answer is None and turn.reading.intent == "confirm":
        answer = True  # "sounds good", "perfecto", "book it"
    yes = "yes_move" if data.get("move") else "yes_book"
    index = understand.pick(turn.words, labels(turn, yes, "no_other_times"))
    if index is None and has_any(
        turn.reading.words, ("book it", "reservar", "reserva", "reservala", "move it")
    ):
        index = 0
    if answer is False or index == 1:
        return _show_times(turn, data)
    if answer is None and index is None and _names_the_pick(turn, data["pick"]):
        answer = True  # "the 10:00 one" again: that is a yes
    if not (answer is True or index == 0):
        if has_wish(wish_data(turn.reading)) and turn.reading.intent != "cancel":
            kept = {k: v for k, v in data.items() if k not in WISH_KEYS}
            return search(turn, kept | wish_data(turn.reading))
        return None
    start, doctor_id = _slot(data["pick"])
    doctor, _, visit_type = turn.view.names(doctor_id, data.get("vt"), turn.lang)
    when = when_text(start, turn)
    if data.get("move"):
        effect = Reschedule(data["move"], data["pick"][0], doctor_id)
        done = reply(turn, "moved", doctor=doctor, when=when)
    else:
        effect = Book(doctor_id, data["pick"][0], data.get("vt"))
        done = reply(turn, "booked", doctor=doctor, visit_type=visit_type, when=when)
    return to_menu(turn, done, effects=[effect])


def _names_the_pick(turn: Turn, pick: list) -> bool:
    reading, local = turn.reading, _local(_slot(pick), turn)
    return (
        reading.at == local.time()
        and reading.day in (None, local.date())
        and not reading.wish.limits
    )


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
