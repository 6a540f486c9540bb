"""Turns racing each other on SQLite and PostgreSQL: one winner, nobody stranded."""

from __future__ import annotations

import threading

from core.dialog.service import handle_inbound
from core.messaging.inbound import Inbound
from core.models import Appointment, Conversation, Message, Patient
from core.storage.db import db
from tests.core.dialog.conftest import NOW, Chat
from tests.factories import make_patient


def _race(inbounds: list[Inbound]) -> list[list]:
    """Send the inbounds from one thread each, released together."""
    barrier = threading.Barrier(len(inbounds))
    results: list = [None] * len(inbounds)

    def send(i: int, inbound: Inbound) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = handle_inbound(inbound, NOW)
        except Exception as error:  # surfaced by the assertion below
            results[i] = error
        finally:
            db.close()

    threads = [
        threading.Thread(target=send, args=(i, inbound))
        for i, inbound in enumerate(inbounds)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert all(isinstance(r, list) for r in results), results
    return results


def test_two_patients_confirming_one_time_get_one_booking(clinic, known):
    other = make_patient(name="Ben Ode", consent_at=NOW.replace(tzinfo=None))
    for patient in (known, other):
        chat = Chat(patient.phone)
        for text in ("hi", "1", "1", "1", "1", "tomorrow 10am"):
            chat.send(text)
        assert chat.state() == "confirm_booking"
    db.close()  # the threads bring their own connections
    results = _race([Inbound("sms", p.phone, "yes") for p in (known, other)])
    texts = sorted(r[0].text for r in results)
    assert texts[0].startswith(
        "Booked: Consultation with Dr. Hart on Tue 24 Nov, 10:00"
    )
    assert texts[1].startswith("Sorry, 10:00 was just taken")
    assert Appointment.select().count() == 1
    states = sorted(c.state for c in Conversation.select())
    assert states == ["menu", "pick_time"]


def test_first_messages_from_one_new_phone_make_one_patient(clinic):
    db.close()
    phone = "+15550100999"
    results = _race(
        [Inbound("sms", phone, "hello", provider_id=f"SM{i}") for i in range(3)]
    )
    assert all(r and "What is your name?" in r[0].text for r in results), results
    assert Patient.select().where(Patient.phone == phone).count() == 1
    assert Message.select().where(Message.direction == "in").count() == 3
    assert Conversation.select().count() == 1


def test_a_redelivery_racing_the_original_is_handled_once(clinic, known):
    db.close()
    results = _race([Inbound("sms", known.phone, "hi", provider_id="SMdup")] * 2)
    assert sorted(len(r) for r in results) == [0, 1]
    assert Message.select().where(Message.direction == "in").count() == 1


def test_a_double_tap_on_yes_books_once_and_is_not_told_it_was_taken(clinic, known):
    """Both turns of one patient run in order, the second from the new state."""
    chat = Chat(known.phone)
    for text in ("hi", "1", "1", "1", "1", "tomorrow 10am"):
        chat.send(text)
    assert chat.state() == "confirm_booking"
    db.close()
    results = _race([Inbound("sms", known.phone, "yes")] * 2)
    texts = [r[0].text for r in results if r]
    assert sum(t.startswith("Booked:") for t in texts) == 1
    assert not any("just taken" in t for t in texts), texts
    assert Appointment.select().count() == 1
