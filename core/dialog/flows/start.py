"""First contact (greeting, name, consent), the menu, and the hand-off to staff."""

from __future__ import annotations

from core.dialog import states as S
from core.dialog import understand
from core.dialog.flows import booking, route, visits
from core.dialog.flows.common import MENU_KEYS, greet, menu_reply, to_menu
from core.dialog.names import is_question, name_answer
from core.dialog.outcome import Handler, Outcome, Turn
from core.dialog.say import join, labels, reply

# A first message that asks for something is kept while we learn who this
# is, and acted on once they have said (the name, then texts consent).
WISH = "wish"
WISH_LIMIT = 400


def _in_their_language(turn: Turn) -> Turn:
    """A first message in Spanish is answered in Spanish from the first reply."""
    lang = turn.reading.lang
    if lang in ("es", "en") and lang != turn.lang and turn.reading.intent != "language":
        return turn.with_lang(lang)
    return turn


def _wants_something(turn: Turn) -> bool:
    return turn.reading.intent in route.SWITCHES and turn.reading.intent != "leave"


def _handle_start(turn: Turn) -> Outcome:
    spoken = _in_their_language(turn)
    out = _first_reply(spoken)
    if spoken.lang != turn.lang:
        out.lang = spoken.lang
        out.patient = out.patient | {"language": spoken.lang}
    return out


def _first_reply(turn: Turn) -> Outcome:
    """Act on a known patient's first words; learn a new one's name first."""
    wish = {WISH: turn.text[:WISH_LIMIT]} if _wants_something(turn) else {}
    if turn.patient.first_name and turn.patient.consented and wish:
        return route.act(turn.with_text(turn.text, S.MENU)) or greet(turn)
    if not turn.patient.first_name:
        name = turn.reading.name
        if name:  # "hello, Jane Roe here, could I get a checkup ..."
            out = _ask_consent(turn, name.split()[0], wish)
            out.patient = {"name": name}
            return out
        out = greet(turn)
        out.data = wish
        return out
    out = greet(turn)
    if out.state == S.ASK_CONSENT:
        out.data = wish
    return out


def _ask_consent(turn: Turn, first_name: str, data: dict | None = None) -> Outcome:
    ask = reply(turn, "ask_consent", labels(turn, "yes", "no"), first_name=first_name)
    return Outcome(S.ASK_CONSENT, data or {}, [ask])


def _handle_name(turn: Turn) -> Outcome | None:
    wish = {k: v for k, v in turn.data.items() if k == WISH}
    if understand.is_greeting(turn.words):  # "hi" again: still waiting for a name
        return Outcome(S.ASK_NAME, wish, [reply(turn, "greet_new")])
    if is_question(turn.text) and not turn.reading.name:
        # "why do you need my name?": explain, and store nothing.
        return Outcome(S.ASK_NAME, wish, [reply(turn, "why_name")])
    name = name_answer(turn.text)
    if name is None or understand.yes_no(turn.words) is not None:
        if _wants_something(turn) and not wish:  # a request before the name
            return Outcome(
                S.ASK_NAME, {WISH: turn.text[:WISH_LIMIT]}, [reply(turn, "greet_new")]
            )
        return None
    out = _ask_consent(turn, name.split()[0], wish)
    out.patient = {"name": name}
    return out


def _handle_consent(turn: Turn) -> Outcome | None:
    index = understand.pick(turn.words, labels(turn, "yes", "no"))
    answer = turn.answer
    if index == 0 or (answer is True and index is None):
        lead, changes = reply(turn, "consent_yes"), {"consent_at": turn.now}
    elif index == 1 or answer is False:
        lead, changes = reply(turn, "consent_no"), {}
    elif _wants_something(turn):  # asked for something first: keep it, ask again
        again = _ask_consent(
            turn, turn.patient.first_name, {WISH: turn.text[:WISH_LIMIT]}
        )
        return again
    else:
        return None
    wish = turn.data.get(WISH)
    if isinstance(wish, str) and wish.strip():
        later = route.act(turn.with_text(wish, S.MENU))
        if later is not None:
            later.replies = join(lead, *later.replies)
            later.patient = later.patient | changes
            return later
    return to_menu(turn, lead, patient=changes)


def show_menu(turn: Turn) -> Outcome:
    return Outcome(S.MENU, {}, [menu_reply(turn)])


def handle_menu(turn: Turn) -> Outcome | None:
    """Book, list my visits, ask for a person; or whatever the words ask for."""
    index = understand.pick(turn.words, labels(turn, *MENU_KEYS))
    choice = (None, "book", "mine", "staff")[index + 1 if index is not None else 0]
    if choice == "book":
        return booking.begin(turn)
    if choice == "mine":
        return visits.list_visits(turn)
    if choice == "staff":
        return route.to_person(turn)
    return route.act(turn)


def _handle_handoff(turn: Turn) -> Outcome:
    """Staff have been asked to reply; a clear new request is still acted on."""
    if turn.reading.intent in route.SWITCHES and turn.reading.intent != "staff":
        return route.act(turn) or Outcome(S.HANDOFF, {}, [reply(turn, "handoff_wait")])
    if turn.reading.intent == "smalltalk" and turn.reading.small == "thanks":
        return Outcome(S.HANDOFF, {}, [reply(turn, "small_thanks")])
    return Outcome(S.HANDOFF, {}, [reply(turn, "handoff_wait")])


HANDLERS = {
    S.START: Handler(greet, _handle_start, "number"),
    S.ASK_NAME: Handler(
        lambda t: Outcome(S.ASK_NAME, {}, [reply(t, "greet_new")]), _handle_name, "name"
    ),
    S.ASK_CONSENT: Handler(
        lambda t: _ask_consent(t, t.patient.first_name), _handle_consent, "yes_no"
    ),
    S.MENU: Handler(show_menu, handle_menu, "number"),
    S.HANDOFF: Handler(_handle_handoff, _handle_handoff, "number"),
}
