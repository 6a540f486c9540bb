"""Whatever a patient sends, in whatever state: no crash, a reply, a valid state."""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.clock import to_db
from core.dialog.service import handle_inbound
from core.dialog.states import STATES, allowed
from core.messaging.inbound import Inbound
from core.models import Conversation, Message
from tests.core.dialog.conftest import NOW, Chat
from tests.core.dialog.test_service import TUESDAY_10, _book

# How to reach each state from the menu, for a patient with one booked visit.
PATHS = {
    "pick_department": ["1"],
    "pick_doctor": ["1", "1"],
    "pick_visit_type": ["1", "1", "1"],
    "pick_day": ["1", "1", "1", "1"],
    "pick_time": ["1", "1", "1", "1", "tomorrow"],
    "no_times": ["1", "1", "1", "1", "saturday"],
    "confirm_booking": ["1", "1", "1", "1", "wednesday", "1"],
    "my_appointments": ["2"],
    "appointment_actions": ["2", "1"],
    "cancel_check": ["2", "1", "2"],
    "handoff": ["3"],
}
WORDS = [
    "👍", "🙂", "❤️", "🗓️", "1", "2", "3", "7", "yes", "sí", "no", "ok", "menu",
    "0", "tomorrow", "3pm", "the 10:30 one", "STOP", "START", "HELP", "ESPAÑOL",
    "english", "12/3", " ", "\n", "\x00", "%s", "{{ clinic }}", "<b>",
]  # fmt: skip
IDLE = [dt.timedelta(0), dt.timedelta(hours=2)]  # fresh, or past the idle timeout
TEXTS = st.one_of(
    st.text(max_size=60),
    st.just(""),
    st.text(min_size=2000, max_size=2000),
    st.lists(st.sampled_from(WORDS), max_size=6).map(" ".join),
    st.integers(-3, 120).map(str),
    st.text(st.characters(categories=["Cs", "Cc", "So", "Zs"]), max_size=40),
)


def _snapshots(clinic, known) -> dict[str, tuple[str, str]]:
    """(state, data JSON) for every state, reached the way a patient would."""
    visit = _book(known, clinic["hart"], TUESDAY_10)
    found = {
        "start": ("start", "{}"),
        "ask_name": ("ask_name", "{}"),
        "ask_consent": ("ask_consent", "{}"),
        "menu": ("menu", "{}"),
        "reminder": ("reminder", json.dumps({"appointment_id": visit.id})),
        "waitlist_offer": ("waitlist_offer", json.dumps({"offer_id": 999})),
    }
    for target, path in PATHS.items():
        chat = Chat(known.phone)
        chat.send("menu")
        for text in path:
            chat.send(text)
        row = Conversation.get(Conversation.address == known.phone)
        assert row.state == target, (target, row.state, chat.replies)
        found[target] = (row.state, row.data)
    assert set(found) == STATES
    return found


@settings(
    max_examples=250,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_any_text_in_any_state_gets_a_reply_and_a_valid_state(clinic, known, data):
    snapshots = getattr(known, "_snapshots", None) or _snapshots(clinic, known)
    known._snapshots = snapshots
    state_name = data.draw(st.sampled_from(sorted(snapshots)))
    state, raw = snapshots[state_name]
    Conversation.update(
        state=state,
        data=raw,
        misunderstood=data.draw(st.integers(0, 1)),
        flag_reason=None,
        updated_at=to_db(NOW - data.draw(st.sampled_from(IDLE))),
    ).where(Conversation.address == known.phone).execute()
    text = data.draw(TEXTS)
    count = Message.select().count()
    replies = handle_inbound(Inbound("sms", known.phone, text), NOW)
    assert replies and all(r.text.strip() for r in replies)
    assert all(len(r.choices) <= 12 for r in replies)
    row = Conversation.get(Conversation.address == known.phone)
    assert row.state in STATES and allowed(state, row.state), (state, row.state)
    assert isinstance(json.loads(row.data), dict)
    assert row.flag_reason != "the bot failed on a message"
    assert Message.select().count() == count + 1 + len(replies)
