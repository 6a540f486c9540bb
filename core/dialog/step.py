"""The pure step: a Turn in, an Outcome out. No writes; reads only through turn.view."""

from __future__ import annotations

import logging

from core.dialog import data, understand
from core.dialog import states as S
from core.dialog.flows import answers, booking, offers, route, start, times, visits
from core.dialog.flows.common import greet, to_menu
from core.dialog.intents import standing_request
from core.dialog.outcome import (
    Effect,
    FlagIfUpcoming,
    Handler,
    Outcome,
    SaveEmail,
    Turn,
)
from core.dialog.say import join, problem_text, reply
from core.errors import DomainError

log = logging.getLogger(__name__)

HANDLERS: dict[str, Handler] = (
    start.HANDLERS
    | booking.HANDLERS
    | times.HANDLERS
    | visits.HANDLERS
    | offers.HANDLERS
)
MISUNDERSTOOD_LIMIT = 2  # replies not understood in a row before staff step in
OPT_OUT_REASON = "opted out of texts with a visit coming up"
# Carriers and Twilio read a bare CANCEL as STOP: a patient at a visit's
# options who types the word has lost texts, and almost surely meant the visit.
CANCEL_WORD_REASON = (
    "texted CANCEL at a visit's options: the carrier opted them out of texts; "
    "they probably meant to cancel the visit. Please call them"
)
BOOKING_STATES = (S.PICK_DEPARTMENT, S.PICK_DOCTOR, S.PICK_VISIT_TYPE, S.PICK_DAY,
                  S.PICK_TIME, S.NO_TIMES, S.CONFIRM_BOOKING)  # fmt: skip
VISIT_STATES = (S.REMINDER, S.APPOINTMENT_ACTIONS, S.CANCEL_CHECK, S.MY_APPOINTMENTS)

assert set(HANDLERS) == S.STATES, "every state in the table needs a handler"


def _prompt(turn: Turn) -> Outcome:
    handler = HANDLERS.get(turn.state)
    return handler.prompt(turn) if handler else start.show_menu(turn)


def _keyword(turn: Turn, keyword: str) -> Outcome:
    """Keywords work in every state, before anything else."""
    carrier = turn.keyword is not None  # the provider already answered the patient
    if keyword == "opt_out":
        replies = [] if carrier else [reply(turn, "opted_out")]
        meant_visit = carrier and turn.words == "cancel" and turn.state in VISIT_STATES
        return Outcome(
            turn.state,
            turn.data,
            replies,
            effects=[FlagIfUpcoming(OPT_OUT_REASON)],
            patient={"opted_out": True},
            flag=CANCEL_WORD_REASON if meant_visit else None,
        )
    if keyword == "opt_in":
        replies = [] if carrier else [reply(turn, "opted_in")]
        return Outcome(turn.state, turn.data, replies, patient={"opted_out": False})
    if keyword == "help":
        if turn.state in (S.START, S.ASK_NAME):
            return Outcome(turn.state, turn.data, [reply(turn, "help")])
        again = _prompt(turn)
        again.replies = join(reply(turn, "help"), *again.replies)
        return again
    if keyword in ("lang_es", "lang_en"):
        lang = keyword.removeprefix("lang_")
        switched = turn.with_lang(lang)
        if turn.state in (S.START, S.ASK_NAME, S.ASK_CONSENT):
            again = _prompt(switched)
            again.replies = join(reply(switched, "language_set"), *again.replies)
        else:
            again = to_menu(switched, reply(switched, "language_set"))
        again.lang = lang
        again.patient = {"language": lang}
        return again
    if turn.state in (S.START, S.ASK_NAME, S.ASK_CONSENT) and not turn.patient.name:
        return _prompt(turn)  # no menu before we know who this is
    return start.show_menu(turn)


def _not_understood(turn: Turn, handler: Handler) -> Outcome:
    """Re-prompt saying what is accepted; the second miss in a row goes to staff."""
    if turn.misunderstood + 1 >= MISUNDERSTOOD_LIMIT:
        return Outcome(
            S.HANDOFF,
            {},
            [reply(turn, "handoff")],
            flag="did not understand the patient twice",
        )
    again = handler.prompt(turn)
    hint = reply(turn, f"reprompt_{handler.accepts}")
    if again.state == turn.state:
        again.replies = join(hint, *again.replies)
        again.understood = False
    return again


def _answers_yes(turn: Turn) -> bool:
    """A "YES" that answers our question rather than asks to opt back in.

    Carriers and Twilio count YES as an opt-in keyword, but a patient who
    never opted out means yes: to "Book ...?" or to texts consent.
    """
    return not turn.patient.opted_out and understand.yes_no(turn.words) is True


def step(turn: Turn) -> Outcome:
    """Decide the reply to one message: new state, replies and effects."""
    if turn.shared_phone:
        # The linked patient may be one we know: greet them as such.
        first_contact = turn.state in (S.START, S.ASK_NAME, S.ASK_CONSENT)
        again = greet(turn) if first_contact else _prompt(turn)
        again.replies = join(reply(turn, "phone_linked"), *again.replies)
        return again
    keyword = turn.keyword or understand.keyword(turn.words, turn.text)
    if keyword == "opt_in" and _answers_yes(turn):
        keyword = None
    if keyword is not None:
        return _keyword(turn, keyword)
    if (turn.idle and turn.state in S.EXPIRING) or (
        turn.state == S.MENU and turn.data.get(S.EXPIRED_MARK)
    ):
        return to_menu(turn, reply(turn, "timed_out"))
    handler = HANDLERS.get(turn.state)
    if handler is None:
        return start.show_menu(turn)
    if not data.readable(turn.state, turn.data):
        # Written by an older version or another component, and not what this
        # state reads: start the patient again. A handler's own error is a bug,
        # and reaches the service's fallback.
        log.warning("unreadable data in state %s; back to the menu", turn.state)
        return start.show_menu(turn) if turn.patient.name else greet(turn)
    said, lang = standing_request(turn.text)
    if said is not None:  # "stop texting me", "en español por favor"
        return _keyword(turn, "opt_out" if said == "opt_out" else f"lang_{lang}")
    given = understand.email_in(turn.text) if "@" in turn.text else None
    if given is not None:
        return _email_given(turn, *given)
    outcome = handler.handle(turn)
    if outcome is None:
        outcome = _elsewhere(turn, handler)
    if outcome is None:
        return _not_understood(turn, handler)
    return outcome


def _email_given(turn: Turn, email: str, prefer: bool) -> Outcome:
    """Keep the address, say so, and carry on where the patient was."""
    again = _prompt(turn)
    saved = reply(turn, "email_saved" if prefer else "email_kept", email=email)
    again.replies = join(saved, *again.replies)
    again.effects = [*again.effects, SaveEmail(email, prefer)]
    return again


def _elsewhere(turn: Turn, handler: Handler) -> Outcome | None:
    """The answer did not fit this step: act on what it does say, if anything."""
    if turn.reading.intent == "smalltalk":
        return answers.small_talk(turn, handler.prompt(turn))
    if turn.state in (S.START, S.ASK_NAME, S.ASK_CONSENT):
        return None  # who this is comes first; their request is kept (start.py)
    if turn.state in BOOKING_STATES and turn.reading.intent == "book":
        return booking.carry_on(turn)  # "actually dr ortiz, thursday"
    return route.act(turn, route.SWITCHES)


def recover(turn: Turn, effect: Effect, error: DomainError) -> Outcome:
    """The outcome after an effect failed: explain, and offer a way on."""
    if isinstance(effect, SaveEmail):
        # Whose address it is stays private: staff look into it.
        again = _prompt(turn)
        again.replies = join(reply(turn, "email_not_saved"), *again.replies)
        again.flag = "patient gave an email address that another patient has"
        return again
    if turn.state == S.CONFIRM_BOOKING:
        return times.recover(turn, error)
    return to_menu(
        turn, reply(turn, "effect_failed", problem=problem_text(turn, error))
    )
