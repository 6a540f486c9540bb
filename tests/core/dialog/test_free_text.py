"""Rules of the free-text dialog that one conversation each pins down.

The small clinic of conftest.py (Hart and Ortiz in General Practice, Velasco
in Paediatrics; every doctor 9-17 on weekdays), on a real database.
"""

from __future__ import annotations

import json

from core.models import Appointment, Conversation, Department, Patient, VisitType
from tests.core.dialog.conftest import Chat, book_visit, open_context


def test_a_carrier_cancel_at_a_reminder_opts_out_and_tells_staff_to_call(clinic, known):
    visit = book_visit(known, clinic["hart"])
    open_context(known, "reminder", {"appointment_id": visit.id})
    chat = Chat(known.phone)
    replies = chat.send("CANCEL", keyword="opt_out")  # Twilio already answered
    assert replies == ""
    assert Patient.get_by_id(known.id).sms_opt_out
    conversation = Conversation.get()
    assert conversation.flagged and "call" in conversation.flag_reason
    assert "meant to cancel the visit" in conversation.flag_reason
    assert Appointment.get_by_id(visit.id).status == "scheduled"  # nobody guessed


def test_a_carrier_stop_elsewhere_is_the_usual_opt_out(clinic, known):
    book_visit(known, clinic["hart"])
    Chat(known.phone).send("STOP", keyword="opt_out")
    conversation = Conversation.get()
    assert "meant to cancel" not in (conversation.flag_reason or "")
    assert "opted out" in conversation.flag_reason


def test_spanish_patients_see_spanish_names(clinic, known):
    Department.update(names=json.dumps({"es": "Medicina general"})).where(
        Department.id == clinic["gp"].id
    ).execute()
    VisitType.update(names=json.dumps({"es": "Consulta"})).where(
        VisitType.id == clinic["consult"].id
    ).execute()
    chat = Chat(known.phone)
    listing = chat.send("hola, quiero una cita")
    assert "Medicina general" in listing and "General Practice" not in listing
    chat.send("medicina general")
    chat.send("dr ortiz")
    summary = chat.send("mañana a las 10")
    assert "Reservar Consulta con Dr. Ortiz" in summary, summary
    assert Patient.get_by_id(known.id).language == "es"


def test_english_please_switches_mid_booking(clinic, known):
    chat = Chat(known.phone)
    chat.send("hola necesito una cita")
    reply = chat.send("english please")
    assert "What would you like to do" in reply
    assert Patient.get_by_id(known.id).language == "en"


def test_a_wish_nothing_fits_says_so_and_offers_the_nearest(clinic, chat):
    reply = chat.send("can dr ortiz see me tomorrow evening")
    assert "no times in the evening on Tue 24 Nov" in reply, reply
    assert "16:30" in reply  # the nearest to the evening, Ortiz ends at 17:00


def test_a_wish_filters_the_times(clinic, chat):
    reply = chat.send("dr ortiz tomorrow any time after 3")
    times = [line.split()[1] for line in reply.splitlines()[1:] if ":" in line]
    assert times and all(t >= "15:00" for t in times), reply


def test_a_date_just_past_is_pointed_out(clinic, chat):
    reply = chat.send("book dr ortiz on nov 20")
    assert "Fri 20 Nov has already passed" in reply and chat.state() == "pick_day"


def test_a_question_without_an_answer_goes_to_staff_with_the_words(clinic, chat):
    reply = chat.send("do you do covid tests for travel?")
    assert "A person from Riverside Clinic will answer you" in reply
    conversation = Conversation.get()
    assert conversation.flagged and "covid tests for travel" in conversation.flag_reason
    assert chat.state() == "menu"  # the patient can go on meanwhile


def test_opening_hours_come_from_the_schedule_when_no_note_is_set(clinic, chat):
    reply = chat.send("what are your opening hours")
    assert "Mon-Fri 09:00-17:00" in reply, reply
    assert "closed on Sun 29 Nov" in chat.send("are you open on sunday?")
    assert "open 09:00-17:00" in chat.send("is the clinic open friday")


def test_a_new_request_while_waiting_for_staff_is_acted_on(clinic, chat):
    chat.send("i want to talk to a person")
    assert chat.state() == "handoff"
    reply = chat.send("actually can i book with dr ortiz tomorrow at 9")
    assert "Book Consultation with Dr. Ortiz on Tue 24 Nov, 09:00?" in reply


def test_small_talk_never_counts_toward_the_hand_off(clinic, chat):
    chat.send("book dr ortiz tomorrow at 9")
    chat.send("yes")
    for text in ("thanks!", "🙏", "ok", "thank you so much", "👍"):
        chat.send(text)
    conversation = Conversation.get()
    assert not conversation.flagged and conversation.misunderstood == 0
