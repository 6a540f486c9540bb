"""From what a message means to the flow that acts on it, from any state.

The menu's options are one way in; a sentence is another. "could dr okafor
see me thursday at 11" starts a booking with doctor, day and time filled in;
"cancel my friday appointment" goes straight to that visit's cancellation.
"""

from __future__ import annotations

from core.dialog import states as S
from core.dialog.flows import answers, booking, visits
from core.dialog.outcome import Outcome, Turn
from core.dialog.say import reply

# Intents that leave whatever the patient was doing for something else.
SWITCHES = ("book", "my_visits", "cancel", "move", "confirm", "late", "question",
            "staff", "leave")  # fmt: skip


def to_person(turn: Turn) -> Outcome:
    return Outcome(
        S.HANDOFF,
        {},
        [reply(turn, "staff_requested")],
        flag="patient asked for a person",
    )


def act(turn: Turn, intents=SWITCHES + ("smalltalk",)) -> Outcome | None:
    """The outcome of the message's intent, or None when it has none of these."""
    intent = turn.reading.intent
    if intent not in intents:
        return None
    if intent == "book":
        return booking.begin(turn, turn.reading)
    if intent in ("my_visits", "cancel", "move", "confirm"):
        return visits.by_intent(turn, intent)
    if intent == "late":
        return answers.running_late(turn)
    if intent == "question":
        return answers.question(turn)
    if intent == "staff":
        return to_person(turn)
    if intent == "leave":
        return answers.leave(turn)
    return answers.small_talk(turn)
