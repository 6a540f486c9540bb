"""Housekeeping: idle mid-flow conversations lapse; reply contexts stay open."""

from __future__ import annotations

import datetime as dt

from core.clock import to_db
from core.jobs.housekeeping import run_housekeeping
from core.models import Conversation
from core.policy import load_policy
from tests.core.jobs.conftest import MONDAY, at

NOW = at(MONDAY, 12)


def conversation(address: str, state: str, idle_minutes: int) -> Conversation:
    return Conversation.create(
        channel="sms",
        address=address,
        state=state,
        data='{"day": "2026-11-24"}',
        misunderstood=1,
        updated_at=to_db(NOW - dt.timedelta(minutes=idle_minutes)),
    )


def test_idle_mid_flow_conversations_go_back_to_the_menu(sqlite_clinic):
    idle = conversation("+15550000001", "pick_day", 31)
    busy = conversation("+15550000002", "pick_day", 5)
    reminder = conversation("+15550000003", "reminder", 600)
    offer = conversation("+15550000004", "waitlist_offer", 600)
    counts = run_housekeeping(load_policy(), NOW)
    assert counts["conversations_expired"] == 1
    idle = Conversation.get_by_id(idle.id)
    assert (idle.state, idle.data, idle.misunderstood) == (
        "menu",
        '{"expired": true}',
        0,
    )
    for kept, state in (
        (busy, "pick_day"),
        (reminder, "reminder"),
        (offer, "waitlist_offer"),
    ):
        assert Conversation.get_by_id(kept.id).state == state
    assert run_housekeeping(load_policy(), NOW)["conversations_expired"] == 0


def test_the_next_message_after_housekeeping_says_it_timed_out(sqlite_clinic):
    """A late "1" meant as a time must not be read as the menu's "Book"."""
    from core.dialog.service import handle_inbound
    from core.messaging.inbound import Inbound

    _, patient = sqlite_clinic
    Conversation.create(
        channel="sms",
        address=patient.phone,
        patient=patient,
        state="pick_time",
        data='{"day": "2026-11-24"}',
        updated_at=to_db(NOW - dt.timedelta(minutes=45)),
    )
    run_housekeeping(load_policy(), NOW)
    (reply,) = handle_inbound(
        Inbound("sms", patient.phone, "1", provider_id="SMlate"), NOW
    )
    assert "timed out" in reply.text.lower() or "took too long" in reply.text.lower()
