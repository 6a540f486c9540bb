"""A patient's own visits: list, confirm, cancel, change, and replies to reminders.

Conversation data: visits (ids listed), visit (the one chosen),
appointment_id or appointment_ids (a reminder's visits).
"""

from __future__ import annotations

from core.dialog import states as S
from core.dialog import understand
from core.dialog.contexts import REMINDER_TEXT, VISIT_ANSWERS
from core.dialog.flows import answers, booking
from core.dialog.flows.common import to_menu
from core.dialog.outcome import Cancel, Confirm, Handler, Outcome, RunningLate, Turn
from core.dialog.say import labels, numbered, reply, text, time_text, when_text
from core.dialog.tokens import has_any
from core.dialog.view import Visit
from core.messaging.inbound import Reply
from core.messaging.texts import visit_context

ACTION_KEYS = tuple(answer.label for answer in VISIT_ANSWERS)
_FIRST = ("first", "the first", "first one", "the first one", "next one",
          "the next one", "el primero", "la primera", "la proxima")  # fmt: skip
ACTION_WORDS = {
    "confirm": ("confirm", "confirmar", "confirmo", "confirmed"),
    "cancel": ("cancel", "cancelar", "anular", "cant come", "can t come", "no puedo"),
    "change": ("change", "reschedule", "move", "cambiar", "mover", "another time"),
}


def _visit_line(turn: Turn, visit: Visit) -> str:
    return f"{when_text(visit.start, turn)} {visit.doctor}"


def _live_visit(turn: Turn, appointment_id) -> Visit | None:
    """The patient's visit if it can still be confirmed, cancelled or moved."""
    if not isinstance(appointment_id, int):
        return None
    visit = turn.view.visit(appointment_id, turn.patient.id, turn.lang)
    if visit is None or not visit.live or visit.start <= turn.now:
        return None
    return visit


def list_visits(turn: Turn) -> Outcome:
    """Show the patient's upcoming visits to choose from."""
    return _offer_visits(turn, turn.view.upcoming(turn.patient.id, turn.lang))


def _offer_visits(turn: Turn, visits: list[Visit], then: str | None = None) -> Outcome:
    """List visits; then is what to do with the one chosen (cancel, move, ...)."""
    if not visits:
        return to_menu(turn, reply(turn, "no_appointments"))
    choices = [_visit_line(turn, visit) for visit in visits]
    data = {"visits": [visit.id for visit in visits]}
    if then:
        data["then"] = then
    name = "which_visit" if then else "my_appointments"
    ask = reply(turn, name, choices, count=len(visits))
    return Outcome(S.MY_APPOINTMENTS, data, [ask])


def _narrowed(turn: Turn, visits: list[Visit], intent: str) -> list[Visit]:
    """The visits the message points at: by day, time or doctor, if it says."""
    reading, tz = turn.reading, turn.policy.tz
    found = visits
    if reading.doctor_id:
        found = [v for v in found if v.doctor_id == reading.doctor_id] or found
    if reading.at is not None:
        by_time = [v for v in found if v.start.astimezone(tz).time() == reading.at]
        found = by_time or found
    if reading.day is not None:
        by_day = [v for v in found if v.start.astimezone(tz).date() == reading.day]
        # For a move, a day no visit is on is the new day wished for.
        found = by_day or found
    return found


def by_intent(turn: Turn, intent: str) -> Outcome:
    """Cancel, move, confirm or show visits, straight from what was said."""
    visits = turn.view.upcoming(turn.patient.id, turn.lang)
    if not visits:
        return to_menu(turn, reply(turn, "no_appointments"))
    chosen = _narrowed(turn, visits, intent)
    if intent == "my_visits":
        return _offer_visits(turn, chosen)
    if len(chosen) == 1:
        return _act_on(turn, chosen[0], intent)
    return _offer_visits(turn, chosen, then=intent)


def _act_on(turn: Turn, visit: Visit, intent: str) -> Outcome:
    if intent == "cancel":
        return _ask_cancel(turn, visit)
    if intent == "move":
        return booking.begin_move(turn, visit, turn.reading)
    if intent == "confirm":
        return _confirm(turn, visit)
    return _ask_action(turn, visit, S.APPOINTMENT_ACTIONS, "visit")


def _confirm(turn: Turn, visit: Visit) -> Outcome:
    when = when_text(visit.start, turn)
    done = reply(turn, "confirmed", doctor=visit.doctor, when=when)
    return to_menu(turn, done, effects=[Confirm(visit.id)])


def _pick_visit(turn: Turn, visits: list[Visit]) -> Visit | None:
    """The visit chosen by number, by its words, by day, time or doctor."""
    index = understand.pick(turn.words, [_visit_line(turn, v) for v in visits])
    if index is not None:
        return visits[index]
    reading = turn.reading
    if has_any(reading.words, _FIRST) and visits:
        return visits[0]
    if reading.day or reading.at or reading.doctor_id:
        chosen = _narrowed(turn, visits, "pick")
        if len(chosen) == 1 and len(visits) > 1 or (len(visits) == 1 and chosen):
            return chosen[0]
    return None


def _handle_list(turn: Turn) -> Outcome | None:
    ids = turn.data.get("visits", [])
    visits = [v for v in (_live_visit(turn, i) for i in ids) if v is not None]
    visit = _pick_visit(turn, visits)
    then = turn.data.get("then")
    if visit is None:
        intent = turn.reading.intent
        if intent in ("cancel", "move", "confirm") and len(visits) == 1:
            return _act_on(turn, visits[0], intent)
        return None
    if then in ("cancel", "move", "confirm"):
        return _act_on(turn, visit, then)
    intent = turn.reading.intent
    if intent in ("cancel", "move", "confirm"):  # "cancel the one on monday"
        return _act_on(turn, visit, intent)
    return _ask_action(turn, visit, S.APPOINTMENT_ACTIONS, "visit")


def _ask_action(turn: Turn, visit: Visit, state: str, key: str) -> Outcome:
    if state == S.REMINDER:
        ask = _reminder_again(turn, visit)
    else:
        ask = reply(
            turn,
            "appointment_actions",
            labels(turn, *ACTION_KEYS),
            doctor=visit.doctor,
            visit_type=visit.visit_type,
            when=when_text(visit.start, turn),
        )
    return Outcome(state, {key: visit.id}, [ask])


def _reminder_again(turn: Turn, visit: Visit) -> Reply:
    """The reminder's own text and answers, as the scheduler sent them."""
    context = visit_context(
        start=visit.start,
        lang=turn.lang,
        policy=turn.policy,
        first_name=turn.patient.first_name,
        doctor=visit.doctor,
    )
    reminder = text(turn, REMINDER_TEXT[True], **context)
    return Reply(reminder, numbered(labels(turn, *ACTION_KEYS)))


def _not_live(turn: Turn) -> Outcome:
    return to_menu(turn, reply(turn, "not_live"))


def _handle_action(turn: Turn, key: str, visit_id=None) -> Outcome | None:
    visit = _live_visit(turn, turn.data.get(key) if visit_id is None else visit_id)
    if visit is None:
        return _not_live(turn)
    index = understand.pick(turn.words, labels(turn, *ACTION_KEYS))
    action = VISIT_ANSWERS[index].action if index is not None else None
    if action is None:
        action = _action_in_words(turn)
    if action == "late":
        return _late_for(turn, visit)
    if action in ("confirm", "cancel", "change"):
        return _act_on(turn, visit, "move" if action == "change" else action)
    return None


def _action_in_words(turn: Turn) -> str | None:
    """confirm, cancel, change or late from a reply in words to a visit's options."""
    intent = turn.reading.intent
    if intent in ("confirm", "cancel", "late"):
        return intent
    if intent == "move" or (intent == "book" and turn.reading.when):
        return "change"  # "se puede el viernes por la tarde?" to a reminder
    answer = turn.answer
    if answer is True:
        return "confirm"
    if answer is False:
        return "cancel"
    return understand.pick_word(turn.words, ACTION_WORDS)


def _late_for(turn: Turn, visit: Visit) -> Outcome:
    """Running late for the visit under discussion: noted for staff."""
    if visit.start.astimezone(turn.policy.tz).date() != turn.today:
        return answers.running_late(turn)
    done = reply(
        turn,
        "late_noted",
        minutes=turn.reading.minutes or "",
        time=time_text(visit.start, turn),
    )
    note = turn.text.strip() or "running late"
    return to_menu(turn, done, effects=[RunningLate(visit.id, note)])


def _ask_cancel(turn: Turn, visit: Visit) -> Outcome:
    when = when_text(visit.start, turn)
    ask = reply(
        turn, "cancel_check", labels(turn, "yes", "no"), doctor=visit.doctor, when=when
    )
    return Outcome(S.CANCEL_CHECK, {"visit": visit.id}, [ask])


def _handle_cancel(turn: Turn) -> Outcome | None:
    visit = _live_visit(turn, turn.data.get("visit"))
    if visit is None:
        return _not_live(turn)
    index = understand.pick(turn.words, labels(turn, "yes", "no"))
    answer = turn.answer
    if answer is None and turn.reading.intent == "cancel":
        answer = True  # "yes cancel it", "cancelala"
    elif answer is None and turn.reading.intent in ("confirm", "leave"):
        answer = False  # "keep it", "I'll come after all"
    if index == 0 or (answer is True and index is None):
        when = when_text(visit.start, turn)
        done = reply(turn, "cancelled", doctor=visit.doctor, when=when)
        return to_menu(turn, done, effects=[Cancel(visit.id)])
    if index == 1 or answer is False:
        return to_menu(turn, reply(turn, "cancel_kept"))
    return None


def _reprompt_visit(turn: Turn, state: str, key: str) -> Outcome:
    visit = _live_visit(turn, turn.data.get(key))
    if visit is None:
        return _not_live(turn)
    if state == S.CANCEL_CHECK:
        return _ask_cancel(turn, visit)
    return _ask_action(turn, visit, state, key)


def _reminded(turn: Turn) -> list[Visit] | None:
    """The live visits of a multi-visit reminder context, or None if single."""
    ids = turn.data.get("appointment_ids")
    if not isinstance(ids, list):
        return None
    return [v for v in (_live_visit(turn, i) for i in ids) if v is not None]


def _handle_reminder(turn: Turn) -> Outcome | None:
    """A reply to a reminder; "1" must not confirm the wrong one of two visits."""
    visits = _reminded(turn)
    if visits is None:
        return _handle_action(turn, "appointment_id")
    if len(visits) == 1:
        return _handle_action(turn, "appointment_id", visits[0].id)
    if not visits:
        return _not_live(turn)
    if understand.number(turn.words) is not None:
        return _offer_visits(turn, visits)  # a bare "1" must not pick for them
    chosen = _pick_visit(turn, visits)
    action = _action_in_words(turn)
    if chosen is not None and action is not None:
        return _handle_action(turn, "appointment_id", chosen.id)
    if action == "confirm":
        # "yes see you then" to a reminder of two visits: both are confirmed.
        done = [
            reply(turn, "confirmed", doctor=v.doctor, when=when_text(v.start, turn))
            for v in visits
        ]
        return to_menu(turn, *done, effects=[Confirm(v.id) for v in visits])
    then = {"cancel": "cancel", "change": "move"}.get(action or "")
    return _offer_visits(turn, visits, then=then)


def _reprompt_reminder(turn: Turn) -> Outcome:
    visits = _reminded(turn)
    if visits is None:
        return _reprompt_visit(turn, S.REMINDER, "appointment_id")
    if len(visits) == 1:
        return _ask_action(turn, visits[0], S.REMINDER, "appointment_id")
    return _offer_visits(turn, visits) if visits else _not_live(turn)


def _reprompt_list(turn: Turn) -> Outcome:
    return list_visits(turn)


HANDLERS = {
    S.MY_APPOINTMENTS: Handler(_reprompt_list, _handle_list, "number"),
    S.APPOINTMENT_ACTIONS: Handler(
        lambda t: _reprompt_visit(t, S.APPOINTMENT_ACTIONS, "visit"),
        lambda t: _handle_action(t, "visit"),
        "number",
    ),
    S.REMINDER: Handler(_reprompt_reminder, _handle_reminder, "number"),
    S.CANCEL_CHECK: Handler(
        lambda t: _reprompt_visit(t, S.CANCEL_CHECK, "visit"), _handle_cancel, "yes_no"
    ),
}
