"""Whole conversations, table-driven, in English and Spanish.

Each step is (what the patient sends, text the reply must contain, state after).
Every transition is also checked against the state table by Chat.send.
"""

from __future__ import annotations

import pytest

from core.models import Appointment, Patient, WaitlistEntry
from tests.core.dialog.conftest import Chat

FIRST_CONTACT = {
    "en": [
        ("hello", "This is Riverside Clinic", "ask_name"),
        ("123", "reply with your name", "ask_name"),
        ("maria garcia", "Thanks, Maria", "ask_consent"),
        ("yes", "we will send you reminders", "menu"),
    ],
    "es": [
        ("hola", "Somos Riverside Clinic", "ask_name"),
        ("me llamo María García", "Gracias, María", "ask_consent"),
        ("sí", "le enviaremos recordatorios", "menu"),
    ],
}

BOOK = {
    "en": [
        ("menu", "What would you like to do", "menu"),
        ("book", "Which department", "pick_department"),
        ("1", "Which doctor", "pick_doctor"),
        ("Dr. Hart", "What kind of visit", "pick_visit_type"),
        ("1", "Which day", "pick_day"),
        ("tmrw", "Free times on Tue 24 Nov", "pick_time"),
        (
            "the 10:30 one",
            "Book Consultation with Dr. Hart on Tue 24 Nov, 10:30?",
            "confirm_booking",
        ),
        ("ok", "Booked: Consultation with Dr. Hart on Tue 24 Nov, 10:30", "menu"),
    ],
    "es": [
        ("menú", "Qué desea hacer", "menu"),
        ("1", "Qué especialidad", "pick_department"),
        ("2", "Qué día", "pick_day"),  # one doctor, one kind of visit: both skipped
        ("martes por la tarde", "Horas libres el mar 24 nov", "pick_time"),
        (
            "1",  # la tarde starts after lunch, at two
            "Reservar Consultation con Dr. Velasco el mar 24 nov, 14:00",
            "confirm_booking",
        ),
        ("sí", "Reservado: Consultation con Dr. Velasco", "menu"),
    ],
}


def _speak(chat: Chat, steps) -> None:
    for text, expected, state in steps:
        reply = chat.send(text)
        assert expected in reply, f"{text!r} got {reply!r}"
        assert chat.state() == state, f"{text!r} left {chat.state()} ({reply!r})"


@pytest.mark.parametrize("lang", ["en", "es"])
def test_first_contact_asks_name_and_consent(clinic, lang):
    chat = Chat("+15550109999")
    _speak(chat, FIRST_CONTACT[lang])
    patient = Patient.get(Patient.phone == "+15550109999")
    assert (
        patient.name.startswith(("Maria", "María")) and patient.consent_at is not None
    )
    assert patient.language == lang


@pytest.mark.parametrize("lang", ["en", "es"])
def test_booking_from_menu_to_summary(clinic, known, lang):
    chat = Chat(known.phone)
    if lang == "es":
        chat.send("español")
    _speak(chat, BOOK[lang])
    (visit,) = Appointment.select()
    assert visit.patient_id == known.id and visit.status == "scheduled"
    assert visit.created_via == "sms"


def test_known_patient_is_greeted_by_first_name(chat):
    assert "Hi Ana, welcome back to Riverside Clinic" in chat.send("hi")


@pytest.mark.parametrize(
    "phrase,day",
    [
        ("tomorrow", "Tue 24 Nov"),
        ("next friday", "Fri 27 Nov"),
        ("wed", "Wed 25 Nov"),
        ("12/1", "Tue 1 Dec"),  # MDY clinic
        ("Dec 2", "Wed 2 Dec"),
        ("2 Dec", "Wed 2 Dec"),
        ("2026-12-03", "Thu 3 Dec"),
        ("thursday afternoon", "Thu 26 Nov"),
    ],
)
def test_the_day_step_reads_what_people_type(clinic, chat, phrase, day):
    for text in ("hi", "1", "3", "2"):  # any doctor, new-patient visit
        chat.send(text)
    assert chat.state() == "pick_day"
    assert f"Free times on {day}" in chat.send(phrase)


def test_a_time_of_day_filters_the_offered_times(clinic, chat):
    for text in ("hi", "1", "2"):
        chat.send(text)
    reply = chat.send("tomorrow afternoon")
    assert "1 12:00" in reply and "09:00" not in reply


def test_more_times_then_another_day(clinic, chat):
    for text in ("hi", "1", "2"):
        chat.send(text)
    assert "1 09:00" in chat.send("tomorrow")
    assert "1 11:30" in chat.send("6")  # the second page of five
    assert "Which day" in chat.send("another day")
    assert chat.state() == "pick_day"


def test_a_closed_day_offers_next_day_and_waitlist(clinic, chat):
    for text in ("hi", "1", "2"):
        chat.send(text)
    reply = chat.send("saturday")
    assert "no free times on Sat 28 Nov" in reply and "Join the waitlist" in reply
    assert "Free times on Mon 30 Nov" in chat.send("1")
    chat.send("another day")
    chat.send("sunday")
    assert "waitlist for Dr. Velasco from Sun 29 Nov" in chat.send("2")
    (entry,) = WaitlistEntry.select()
    assert entry.doctor_id == clinic["velasco"].id
    assert entry.department_id == clinic["paeds"].id and entry.status == "waiting"
    assert str(entry.from_day) == "2026-11-29" and str(entry.to_day) == "2026-12-05"


def test_reschedule_keeps_old_time_until_new_one_booked(clinic, chat):
    _speak(chat, BOOK["en"])
    (visit,) = Appointment.select()
    steps = [
        ("2", "Your upcoming visits", "my_appointments"),
        ("1", "What would you like to do", "appointment_actions"),
        ("3", "Which day", "pick_day"),
        # A free day and time: straight to the one question left.
        (
            "wednesday 9am",
            "Move your visit with Dr. Hart to Wed 25 Nov, 09:00?",
            "confirm_booking",
        ),
        ("2", "Free times on Wed 25 Nov", "pick_time"),  # no: back to the times
        ("1", "Move your visit", "confirm_booking"),
        ("yes", "now on Wed 25 Nov, 09:00", "menu"),
    ]
    _speak(chat, steps)
    moved = Appointment.get_by_id(visit.id)
    assert (
        moved.start.isoformat() == "2026-11-25T09:00:00" and moved.status == "scheduled"
    )
    assert Appointment.select().count() == 1


@pytest.mark.parametrize(
    "lang,steps",
    [
        (
            "en",
            [
                ("2", "Your upcoming visits", "my_appointments"),
                ("1", "What would you like to do", "appointment_actions"),
                ("cancel", "Cancel your visit with Dr. Hart", "cancel_check"),
                ("no", "your visit stays as it is", "menu"),
                ("2", "Your upcoming visits", "my_appointments"),
                ("1", "What would you like to do", "appointment_actions"),
                ("2", "Cancel your visit", "cancel_check"),
                ("yes", "is cancelled", "menu"),
                ("2", "You have no upcoming visits", "menu"),
            ],
        ),
        (
            "es",
            [
                ("2", "Sus próximas citas", "my_appointments"),
                ("1", "Qué desea hacer", "appointment_actions"),
                ("1", "está confirmada", "menu"),
                ("2", "Sus próximas citas", "my_appointments"),
                ("1", "Qué desea hacer", "appointment_actions"),
                ("anular", "Anular su cita", "cancel_check"),
                ("sí", "está anulada", "menu"),
            ],
        ),
    ],
)
def test_my_appointments_confirm_and_cancel(clinic, chat, lang, steps):
    _speak(chat, BOOK["en"])
    if lang == "es":
        chat.send("español")
    _speak(chat, steps)
    (visit,) = Appointment.select()
    assert visit.status == "cancelled" and visit.cancelled_by == "patient"
    assert (visit.confirmed_at is not None) == (lang == "es")


@pytest.mark.parametrize(
    "keyword,expected,state",
    [
        ("HELP", "MENU starts over", "pick_time"),
        ("menu", "What would you like to do", "menu"),
        ("0", "What would you like to do", "menu"),
        ("AYUDA", "MENU starts over", "pick_time"),
        ("/help", "MENU starts over", "pick_time"),
        ("/menu@ClinicBot", "What would you like to do", "menu"),
        ("MENÚ", "What would you like to do", "menu"),
        ("ESPAÑOL", "le escribiré en español", "menu"),
    ],
)
def test_keywords_interrupt_any_flow(clinic, chat, keyword, expected, state):
    for text in ("hi", "1", "2", "tomorrow"):
        chat.send(text)
    assert expected in chat.send(keyword)
    assert chat.state() == state


def test_stop_and_start_mid_flow_keep_the_place(clinic, chat, known):
    for text in ("hi", "1", "2", "tomorrow"):
        chat.send(text)
    assert "no more texts" in chat.send("stop")
    assert Patient.get_by_id(known.id).sms_opt_out
    assert "on again" in chat.send("start")
    assert not Patient.get_by_id(known.id).sms_opt_out
    assert chat.state() == "pick_time"
    assert "Book Consultation" in chat.send("1")


def test_two_misunderstood_replies_flag_for_staff(clinic, chat):
    from core.models import Conversation

    chat.send("hi")
    first = chat.send("purple elephant")
    assert "Reply with a number from the list" in first and chat.state() == "menu"
    second = chat.send("¿¿??")
    assert "will reply to you here soon" in second and chat.state() == "handoff"
    conversation = Conversation.get()
    assert conversation.flagged and "understand" in conversation.flag_reason
    assert "will reply here soon" in chat.send("hello?")
    assert "What would you like to do" in chat.send("menu")


def test_one_misunderstanding_then_sense_resets_the_count(clinic, chat):
    from core.models import Conversation

    for text in ("hi", "1", "2"):
        chat.send(text)
    assert "did not get the day" in chat.send("banana")
    chat.send("tomorrow")
    assert "did not get that" in chat.send("blue")
    assert chat.state() == "pick_time" and not Conversation.get().flagged


def test_talk_to_a_person_flags_the_conversation(clinic, chat):
    from core.models import Conversation

    chat.send("hi")
    assert "will reply to you here soon" in chat.send("3")
    assert Conversation.get().flag_reason == "patient asked for a person"


def test_idle_timeout_returns_to_the_menu_saying_so(clinic, chat):
    for text in ("hi", "1", "2", "tomorrow"):
        chat.send(text)
    chat.wait(minutes=31)
    reply = chat.send("1")
    assert "timed out" in reply and "What would you like to do" in reply
    assert chat.state() == "menu"
    assert Appointment.select().count() == 0


def test_conversation_survives_a_restart(clinic, chat, database):
    from core.storage.db import db, open_database

    for text in ("hi", "1", "2"):
        chat.send(text)
    db.close()
    open_database(database)
    assert "Free times on Tue 24 Nov" in chat.send("tomorrow")


def test_numeric_dates_follow_the_clinic_locale(clinic, chat):
    from tests.factories import make_policy

    make_policy(date_order="DMY")
    for text in ("hi", "1", "2"):
        chat.send(text)
    assert "Free times on Thu 3 Dec" in chat.send("3/12")


def test_times_are_shown_in_the_clinic_time_zone(clinic, chat):
    from core.models import ClinicPolicy

    ClinicPolicy.update(timezone="America/New_York").execute()  # 09:00 = 14:00 UTC
    for text in ("hi", "1", "2"):
        chat.send(text)
    assert "1 09:00" in chat.send("tomorrow")
    chat.send("1")
    chat.send("yes")
    (visit,) = Appointment.select()
    assert visit.start.isoformat() == "2026-11-24T14:00:00"


SPANISH_DETOURS = [
    ("español", "le escribiré en español", "menu"),
    ("1", "Qué especialidad", "pick_department"),
    ("2", "Qué día", "pick_day"),
    ("sábado", "no hay horas libres el sáb 28 nov", "no_times"),
    ("2", "lista de espera de Dr. Velasco desde el sáb 28 nov", "menu"),
    ("1", "Qué especialidad", "pick_department"),
    ("2", "Qué día", "pick_day"),
    ("cuando sea", "no entendí el día", "pick_day"),
    ("AYUDA", "INICIO empieza de nuevo", "pick_day"),
    ("mañana", "Horas libres el mar 24 nov", "pick_time"),
]


def test_spanish_waitlist_reprompt_and_help(clinic, chat):
    _speak(chat, SPANISH_DETOURS)
    assert WaitlistEntry.select().count() == 1


def test_spanish_timeout(clinic, chat):
    _speak(chat, SPANISH_DETOURS[:3])
    chat.wait(hours=2)
    reply = chat.send("mañana")
    assert "caducó" in reply and "Qué desea hacer" in reply


def test_known_patient_without_consent_is_asked_once(clinic):
    from tests.factories import make_patient

    patient = make_patient(name="Luis Vega", phone="+15550100055")
    chat = Chat(patient.phone)
    _speak(
        chat,
        [
            (
                "hi",
                "Hi Luis, this is Riverside Clinic. May we text you reminders",
                "ask_consent",
            ),
            ("no", "OK, no reminders", "menu"),
        ],
    )
    assert Patient.get_by_id(patient.id).consent_at is None


def test_telegram_name_is_used_and_consent_asked(clinic):
    chat = Chat("4242", channel="telegram", deliver="outbox")
    assert "Hi Rosa" in chat.send("/start", name="Rosa Diaz")
    assert chat.state() == "ask_consent"
    chat.send("1")
    assert Patient.get(Patient.telegram_chat_id == "4242").consent_at is not None


def test_a_conversation_expired_by_housekeeping_says_so(clinic, chat):
    from core.models import Conversation

    for text in ("hi", "1", "2", "tomorrow"):
        chat.send(text)
    Conversation.update(state="menu", data='{"expired": true}').execute()
    reply = chat.send("1")
    assert "timed out" in reply and chat.state() == "menu"
    assert "Which department" in chat.send("1")  # the marker is used once
