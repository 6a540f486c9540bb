"""First contact (greeting, name, consent), the menu, and the hand-off to staff."""

from __future__ import annotations

from core.dialog import states as S
from core.dialog import understand
from core.dialog.flows import booking, visits
from core.dialog.flows.common import MENU_KEYS, menu_reply, to_menu
from core.dialog.outcome import Handler, Outcome, Turn
from core.dialog.say import labels, reply

MAX_NAME = 60
MENU_WORDS = {
    "book": ("book", "booking", "new", "reservar", "pedir", "agendar", "nueva"),
    "mine": (
        "my", "mine", "appointments", "visits", "mis", "citas", "confirm",
        "change", "reschedule", "cancel", "cancelar", "cambiar", "confirmar",
    ),
    "staff": ("person", "human", "staff", "someone", "persona", "humano", "hablar"),
}  # fmt: skip


def greet(turn: Turn) -> Outcome:
    """Greet a known patient by first name; ask a new one for their name."""
    if not turn.patient.first_name:
        return Outcome(S.ASK_NAME, {}, [reply(turn, "greet_new")])
    if turn.patient.consented:
        hello = reply(turn, "greet_known", labels(turn, *MENU_KEYS))
        return Outcome(S.MENU, {}, [hello])
    # Known by name (staff entered them, or Telegram told us) but never asked.
    ask = reply(turn, "greet_consent", labels(turn, "yes", "no"))
    return Outcome(S.ASK_CONSENT, {}, [ask])


def _handle_start(turn: Turn) -> Outcome:
    if understand.looks_spanish(turn.words) and turn.lang != "es":
        out = greet(turn.with_lang("es"))
        out.lang = "es"
        return out
    return greet(turn)


def _clean_name(text: str) -> str | None:
    """A plausible name from what was typed, or None."""
    name = " ".join(text.split())
    if not 2 <= len(name) <= MAX_NAME or not any(ch.isalpha() for ch in name):
        return None
    if sum(ch.isalpha() or ch in " .'-" for ch in name) < len(name) * 0.8:
        return None  # mostly digits or symbols: not a name
    for prefix in ("my name is ", "i am ", "i'm ", "me llamo ", "soy "):
        if name.casefold().startswith(prefix):
            name = name[len(prefix) :]
    return name.title() if name.islower() or name.isupper() else name


def _ask_consent(turn: Turn, first_name: str) -> Outcome:
    ask = reply(turn, "ask_consent", labels(turn, "yes", "no"), first_name=first_name)
    return Outcome(S.ASK_CONSENT, {}, [ask])


def _handle_name(turn: Turn) -> Outcome | None:
    if understand.is_greeting(turn.words):  # "hi" again: still waiting for a name
        return Outcome(S.ASK_NAME, {}, [reply(turn, "greet_new")])
    name = _clean_name(turn.text)
    if name is None or understand.yes_no(turn.words) is not None:
        return None
    out = _ask_consent(turn, name.split()[0])
    out.patient = {"name": name}
    return out


def _handle_consent(turn: Turn) -> Outcome | None:
    index = understand.pick(turn.words, labels(turn, "yes", "no"))
    answer = understand.yes_no(turn.words)
    if index == 0 or (answer is True and index is None):
        return to_menu(
            turn, reply(turn, "consent_yes"), patient={"consent_at": turn.now}
        )
    if index == 1 or answer is False:
        return to_menu(turn, reply(turn, "consent_no"))
    return None


def show_menu(turn: Turn) -> Outcome:
    return Outcome(S.MENU, {}, [menu_reply(turn)])


def handle_menu(turn: Turn) -> Outcome | None:
    """Book, list my visits, or ask for a person."""
    index = understand.pick(turn.words, labels(turn, *MENU_KEYS))
    choice = (None, "book", "mine", "staff")[index + 1 if index is not None else 0]
    choice = choice or understand.pick_word(turn.words, MENU_WORDS)
    if choice == "book":
        return booking.begin(turn)
    if choice == "mine":
        return visits.list_visits(turn)
    if choice == "staff":
        return Outcome(
            S.HANDOFF,
            {},
            [reply(turn, "staff_requested")],
            flag="patient asked for a person",
        )
    if understand.is_greeting(turn.words):  # "hi" again: say hello, not "sorry"
        return greet(turn)
    return None


def _handle_handoff(turn: Turn) -> Outcome:
    """Staff have been asked to reply; keep the patient informed meanwhile."""
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
