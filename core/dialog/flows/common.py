"""Pieces every flow uses: the menu and the way back to it."""

from __future__ import annotations

from core.dialog import states as S
from core.dialog.outcome import Outcome, Turn
from core.dialog.say import join, labels, reply
from core.messaging.inbound import Reply

MENU_KEYS = ("book", "my_appointments", "talk_to_staff")


def menu_reply(turn: Turn) -> Reply:
    return reply(turn, "menu", labels(turn, *MENU_KEYS))


def to_menu(turn: Turn, *lead: Reply, **changes) -> Outcome:
    """Say the lead lines, then show the menu."""
    return Outcome(S.MENU, {}, join(*lead, menu_reply(turn)), **changes)


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
