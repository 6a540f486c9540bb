"""A reply to a waitlist offer: yes takes the time; anything else is a menu message.

Conversation data: offer_id (the offer the scheduler sent).
"""

from __future__ import annotations

from core.dialog import states as S
from core.dialog import understand
from core.dialog.contexts import OFFER_ANSWERS
from core.dialog.flows.common import to_menu
from core.dialog.flows.start import handle_menu, show_menu
from core.dialog.outcome import AcceptOffer, Handler, Outcome, Turn
from core.dialog.say import labels


def _handle_offer(turn: Turn) -> Outcome:
    """Yes takes the offered time; anything else leaves the offer to expire."""
    offer_id = turn.data.get("offer_id")
    index = understand.pick(turn.words, labels(turn, *(a.label for a in OFFER_ANSWERS)))
    taken = index is not None and OFFER_ANSWERS[index].action == "take"
    if isinstance(offer_id, int) and (taken or understand.yes_no(turn.words)):
        return Outcome(S.MENU, {}, [], effects=[AcceptOffer(offer_id)])
    menu_turn = turn.with_state(S.MENU)
    return handle_menu(menu_turn) or show_menu(menu_turn)


HANDLERS = {
    S.WAITLIST_OFFER: Handler(lambda t: to_menu(t), _handle_offer, "number"),
}
