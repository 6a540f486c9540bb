"""A patient's own visits: list, confirm, cancel, change, and replies to reminders.

Conversation data: visits (ids listed), visit (the one chosen),
appointment_id or appointment_ids (a reminder's visits).
"""

from __future__ import annotations

from core.dialog import states as S
from core.dialog import understand
from core.dialog.contexts import REMINDER_TEXT, VISIT_ANSWERS
from core.dialog.flows import booking
from core.dialog.flows.common import to_menu
from core.dialog.outcome import Cancel, Confirm, Handler, Outcome, Turn
from core.dialog.say import labels, numbered, reply, text, when_text
from core.dialog.view import Visit
from core.messaging.inbound import Reply
from core.messaging.texts import visit_context

ACTION_KEYS = tuple(answer.label for answer in VISIT_ANSWERS)
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
    visit = turn.view.visit(appointment_id, turn.patient.id)
    if visit is None or not visit.live or visit.start <= turn.now:
        return None
    return visit


def list_visits(turn: Turn) -> Outcome:
    """Show the patient's upcoming visits to choose from."""
    return _offer_visits(turn, turn.view.upcoming(turn.patient.id))


def _offer_visits(turn: Turn, visits: list[Visit]) -> Outcome:
    if not visits:
        return to_menu(turn, reply(turn, "no_appointments"))
    choices = [_visit_line(turn, visit) for visit in visits]
    data = {"visits": [visit.id for visit in visits]}
    ask = reply(turn, "my_appointments", choices, count=len(visits))
    return Outcome(S.MY_APPOINTMENTS, data, [ask])


def _handle_list(turn: Turn) -> Outcome | None:
    ids = turn.data.get("visits", [])
    visits = [v for v in (_live_visit(turn, i) for i in ids) if v is not None]
    index = understand.pick(turn.words, [_visit_line(turn, v) for v in visits])
    if index is None:
        return None
    return _ask_action(turn, visits[index], S.APPOINTMENT_ACTIONS, "visit")


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
    answer = understand.yes_no(turn.words)
    word = understand.pick_word(turn.words, ACTION_WORDS)
    if action == "confirm" or word == "confirm" or (answer is True and index is None):
        when = when_text(visit.start, turn)
        done = reply(turn, "confirmed", doctor=visit.doctor, when=when)
        return to_menu(turn, done, effects=[Confirm(visit.id)])
    if action == "cancel" or word == "cancel" or answer is False:
        return _ask_cancel(turn, visit)
    if action == "change" or word == "change":
        return booking.begin_move(turn, visit)
    return None


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
    answer = understand.yes_no(turn.words)
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
    return _offer_visits(turn, visits)


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
