"""handle_inbound on a real database: storage, idempotency, keywords, contexts."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from core.audit import Actor
from core.clinic import booking
from core.clock import to_db
from core.dialog.service import handle_inbound
from core.messaging.inbound import Inbound
from core.models import (
    Appointment,
    AuditLog,
    Conversation,
    Message,
    Patient,
    WaitlistEntry,
    WaitlistOffer,
)
from tests.core.dialog.conftest import NOW, Chat
from tests.core.dialog.conftest import book_visit as _book
from tests.core.dialog.conftest import open_context as _open_context
from tests.factories import make_patient

TUESDAY_10 = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)


def test_turn_stores_inbound_and_replies_with_choices(clinic, chat, known):
    chat.send("hi", provider_id="SM1")
    inbound, reply = Message.select().order_by(Message.id)
    assert (inbound.direction, inbound.kind, inbound.status) == (
        "in",
        "inbound",
        "received",
    )
    assert inbound.provider_id == "SM1" and inbound.patient_id == known.id
    assert (reply.direction, reply.status, reply.channel) == ("out", "sent", "sms")
    assert reply.sent_at is not None and reply.address == known.phone
    assert json.loads(reply.choices)[0] == ["Book a visit", "1"]


def test_redelivered_message_changes_nothing(clinic, chat):
    chat.send("hi", provider_id="SM1")
    chat.send("1", provider_id="SM2")
    before = (Message.select().count(), Conversation.get().state)
    assert chat.send("1", provider_id="SM2") == ""
    assert chat.replies == []
    assert (Message.select().count(), Conversation.get().state) == before


def test_outbox_delivery_queues_replies(clinic, known):
    chat = Chat(known.phone, deliver="outbox")
    chat.send("hi")
    reply = Message.get(Message.direction == "out")
    assert reply.status == "queued" and reply.next_attempt_at == to_db(NOW)
    assert reply.sent_at is None


def test_bad_delivery_mode_is_refused(clinic):
    with pytest.raises(ValueError):
        handle_inbound(Inbound("sms", "+15550100002", "hi"), NOW, deliver="carrier")


def test_new_sms_patient_is_created_with_normalised_phone(clinic):
    handle_inbound(Inbound("sms", "+1 (555) 010-0777", "hi", provider_id="x"), NOW)
    assert Patient.get().phone == "+15550100777"


def test_carrier_opt_out_replies_nothing_and_flags_upcoming_visit(clinic, chat, known):
    _book(known, clinic["hart"])
    chat.send("hi")
    assert chat.send("STOP", keyword="opt_out") == ""
    assert Patient.get_by_id(known.id).sms_opt_out
    conversation = Conversation.get()
    assert conversation.flagged and "opted out" in conversation.flag_reason
    assert Message.get(Message.provider_id.is_null(False), Message.body == "STOP")
    assert chat.send("START", keyword="opt_in") == ""
    assert not Patient.get_by_id(known.id).sms_opt_out


def test_carrier_opt_out_without_visits_does_not_flag(clinic, chat, known):
    chat.send("STOP", keyword="opt_out")
    assert Patient.get_by_id(known.id).sms_opt_out
    assert not Conversation.get().flagged


def test_carrier_help_gives_help(clinic, chat):
    assert "MENU starts over" in chat.send("INFO", keyword="help")


@pytest.mark.parametrize("answer", ["1", "confirm", "yes", "👍", "ok"])
def test_reminder_reply_confirms(clinic, chat, known, answer):
    visit = _book(known, clinic["hart"])
    _open_context(known, "reminder", {"appointment_id": visit.id})
    assert "is confirmed" in chat.send(answer)
    assert Appointment.get_by_id(visit.id).status == "confirmed"
    assert chat.state() == "menu"


def test_reminder_two_cancels_after_a_check(clinic, chat, known):
    visit = _book(known, clinic["hart"])
    _open_context(known, "reminder", {"appointment_id": visit.id})
    assert "Cancel your visit with Dr. Hart on Tue 24 Nov, 10:00?" in chat.send("2")
    assert Appointment.get_by_id(visit.id).status == "scheduled"
    assert "is cancelled" in chat.send("1")
    assert Appointment.get_by_id(visit.id).status == "cancelled"
    assert AuditLog.get(AuditLog.action == "cancel").actor == f"patient:{known.id}"


def test_reminder_three_reschedules_in_spanish(clinic, chat, known):
    Patient.update(language="es").execute()
    visit = _book(known, clinic["hart"])
    _open_context(known, "reminder", {"appointment_id": visit.id})
    assert "Qué día" in chat.send("3")
    # A day and a time that is free: one question left.
    assert "Cambiar su cita con Dr. Hart al mié 25 nov, 11:00" in chat.send(
        "miércoles a las 11"
    )
    assert "es ahora el mié 25 nov, 11:00" in chat.send("sí")
    assert Appointment.get_by_id(visit.id).start == dt.datetime(2026, 11, 25, 11, 0)


def test_reminder_for_a_visit_no_longer_live_goes_to_menu(clinic, chat, known):
    visit = _book(known, clinic["hart"])
    booking.cancel(visit.id, Actor("staff", 1), "", NOW)
    _open_context(known, "reminder", {"appointment_id": visit.id})
    reply = chat.send("1")
    assert "no longer booked" in reply and "What would you like to do" in reply
    assert chat.state() == "menu"


def test_reminder_context_does_not_time_out(clinic, chat, known):
    visit = _book(known, clinic["hart"])
    _open_context(known, "reminder", {"appointment_id": visit.id})
    chat.wait(hours=10)
    assert "is confirmed" in chat.send("1")


def _offer(clinic, patient, expires=NOW + dt.timedelta(minutes=15)):
    entry = WaitlistEntry.create(
        patient=patient.id,
        doctor=clinic["hart"].id,
        from_day=dt.date(2026, 11, 24),
        to_day=dt.date(2026, 11, 30),
        status="offered",
    )
    offer = WaitlistOffer.create(
        entry=entry.id,
        patient=patient.id,
        doctor=clinic["hart"].id,
        visit_type=clinic["consult"].id,
        start=to_db(TUESDAY_10),
        expires_at=to_db(expires),
    )
    _open_context(patient, "waitlist_offer", {"offer_id": offer.id})
    return offer


def test_waitlist_offer_yes_books_it(clinic, chat, known):
    _offer(clinic, known)
    reply = chat.send("1")
    assert "Booked: Consultation with Dr. Hart on Tue 24 Nov, 10:00" in reply
    (visit,) = Appointment.select()
    assert visit.patient_id == known.id and chat.state() == "menu"


def test_expired_waitlist_offer_says_so(clinic, chat, known):
    _offer(clinic, known, expires=NOW - dt.timedelta(minutes=1))
    reply = chat.send("yes")
    assert "expired" in reply and chat.state() == "menu"
    assert Appointment.select().count() == 0


def test_anything_else_in_offer_goes_on_normally(clinic, chat, known):
    offer = _offer(clinic, known)
    assert "You have no upcoming visits" in chat.send("2")
    assert chat.state() == "menu"
    assert WaitlistOffer.get_by_id(offer.id).status == "open"


TAKEN = {  # day and time asked (free, so straight to "Book?"), what "taken"
    # says, the booked summary
    "en": ("tomorrow 10am", "10:00 was just taken", "yes",
           "Booked: Consultation with Dr. Hart on Tue 24 Nov, 10:30"),
    "es": ("mañana a las 10", "las 10:00 se acaban de reservar", "sí",
           "Reservado: Consultation con Dr. Hart el mar 24 nov, 10:30"),
}  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "es"])
def test_time_just_taken_offers_nearest_free_times(clinic, chat, known, lang):
    day, taken, yes, booked = TAKEN[lang]
    Patient.update(language=lang).execute()
    for text in ("hi", "1", "1", "1", "1", day):
        chat.send(text)
    assert chat.state() == "confirm_booking"
    _book(make_patient(), clinic["hart"], TUESDAY_10)  # someone else, meanwhile
    reply = chat.send(yes)
    assert taken in reply
    assert "1 09:00" in reply and "2 09:30" in reply and "3 10:30" in reply
    assert chat.state() == "pick_time"
    assert Appointment.select().where(Appointment.patient == known.id).count() == 0
    chat.send("3")
    assert booked in chat.send(yes)


def test_telegram_shared_phone_links_to_the_sms_patient(clinic, known):
    _book(known, clinic["hart"])
    chat = Chat("777", channel="telegram", deliver="outbox")
    chat.send("hi", name="Ana")
    assert Patient.select().count() == 2
    assert "phone number is linked" in chat.send("", phone="+1 555 010 0001")
    assert Patient.get_by_id(known.id).telegram_chat_id == "777"
    assert Conversation.get(Conversation.channel == "telegram").patient_id == known.id
    assert "1 Tue 24 Nov, 10:00 Dr. Hart" in chat.send("2")


def test_console_simulator_address_becomes_a_phone_patient(clinic):
    handle_inbound(Inbound("console", "sim-42", "hi", provider_id="c1"), NOW)
    handle_inbound(Inbound("console", "sim-42", "hi", provider_id="c2"), NOW)
    (patient,) = Patient.select()
    assert patient.phone.startswith("+1555") and patient.telegram_chat_id is None


def test_console_phone_address_is_that_patient(clinic, known):
    handle_inbound(Inbound("console", known.phone, "hi", provider_id="c1"), NOW)
    assert Patient.select().count() == 1
    assert Message.get(Message.direction == "in").patient_id == known.id


def test_naive_now_is_refused(clinic):
    with pytest.raises(ValueError):
        handle_inbound(Inbound("sms", "+15550100002", "hi"), NOW.replace(tzinfo=None))


def test_unusable_stored_state_restarts_politely(clinic, chat, known):
    _open_context(known, "pick_time", {"offers": "garbage"})
    reply = chat.send("1")
    assert "What would you like to do" in reply and chat.state() == "menu"
    assert not Conversation.get().flagged  # bad data, not a bug: nobody is paged
    _open_context(known, "no_such_state", {})
    handle_inbound(Inbound("sms", known.phone, "2", provider_id="z"), NOW)
    assert chat.state() == "menu"  # read as the menu: no visits to list


def test_a_warm_booking_conversation_builds_no_sql(clinic, chat, request):
    """Once one patient has booked, the next one's same turns run cached SQL only.

    peewee building a statement costs more than SQLite running it, so every
    statement of a turn is prepared (core.storage.prepared); a statement built
    again on a warm turn would show here.
    """
    texts = ("hi", "1", "1", "1", "1", "tomorrow", "1", "yes", "2", "1", "1")
    for text in texts:
        chat.send(text)
    other = make_patient(name="Ben Ortega", consent_at=NOW.replace(tzinfo=None))
    built = request.getfixturevalue("sql_builds")  # counting from here on
    for n, text in enumerate(texts):
        handle_inbound(Inbound("sms", other.phone, text, provider_id=f"B{n}"), NOW)
    assert built == []
    booked = Appointment.select().where(Appointment.patient == other.id)
    assert [visit.status for visit in booked] == ["confirmed"]  # booked, confirmed


def test_nul_and_lone_surrogates_are_stored_safely(clinic, chat):
    reply = chat.send("hi\x00 \ud800 there")
    assert "What would you like to do" in reply
    inbound = Message.get(Message.direction == "in")
    assert inbound.body == "hi ? there"


def test_an_unexpected_failure_still_answers_and_flags(clinic, chat, monkeypatch):
    from core.dialog import step as stepper

    def broken(turn):
        raise RuntimeError("bug")

    monkeypatch.setattr(stepper, "step", broken)
    reply = chat.send("hi", provider_id="SMx")
    assert "something went wrong" in reply and "Traceback" not in reply
    conversation = Conversation.get()
    assert (
        conversation.flagged
        and conversation.flag_reason == "the bot failed on a message"
    )
    assert Message.get(Message.direction == "in").provider_id == "SMx"
    assert chat.send("hi", provider_id="SMx") == ""  # still idempotent


def test_a_bug_in_a_handler_is_not_mistaken_for_bad_data(
    clinic, chat, monkeypatch, caplog
):
    """A handler's TypeError reaches the service's fallback: logged and flagged."""
    from core.dialog import step as stepper
    from core.dialog.outcome import Handler

    def buggy(turn):
        return len(None)  # a TypeError, as a real slip would raise

    menu = stepper.HANDLERS["menu"]
    monkeypatch.setitem(
        stepper.HANDLERS, "menu", Handler(menu.prompt, buggy, menu.accepts)
    )
    chat.send("hi")
    reply = chat.send("1", provider_id="SMbug")
    assert "something went wrong" in reply
    conversation = Conversation.get()
    assert conversation.flag_reason == "the bot failed on a message"
    assert "Traceback" in caplog.text and "len(None)" in caplog.text
    assert Message.get(Message.provider_id == "SMbug").direction == "in"


def test_moving_a_visit_cancelled_meanwhile_says_why(clinic, chat, known):
    visit = _book(known, clinic["hart"])
    _open_context(known, "reminder", {"appointment_id": visit.id})
    for text in ("3", "wednesday", "1"):
        chat.send(text)
    assert chat.state() == "confirm_booking"
    booking.cancel(visit.id, Actor("staff", 1), "", NOW)
    reply = chat.send("yes")
    assert "already cancelled" in reply and chat.state() == "menu"
    assert Appointment.get_by_id(visit.id).status == "cancelled"


def test_a_time_that_became_too_soon_offers_later_ones(clinic, chat, known):
    for text in ("hi", "1", "1", "1", "1", "today", "1"):
        chat.send(text)
    assert "Mon 23 Nov, 09:00?" in chat.replies[0].text
    chat.wait(minutes=30)  # 08:30: 09:00 is now inside the hour of notice
    reply = chat.send("yes")
    assert "09:00 can no longer be booked" in reply and "1 09:30" in reply
    assert chat.state() == "pick_time"


def test_a_refusal_reaches_a_spanish_patient_in_spanish(clinic, chat, known):
    Patient.update(language="es").execute()
    visit = _book(known, clinic["hart"])
    _open_context(known, "reminder", {"appointment_id": visit.id})
    for text in ("3", "miércoles", "1"):
        chat.send(text)
    assert chat.state() == "confirm_booking"
    booking.cancel(visit.id, Actor("staff", 1), "", NOW)
    reply = chat.send("sí")
    assert "esa cita ya estaba cancelada" in reply
    assert "already" not in reply and chat.state() == "menu"


def test_waiting_for_any_doctor_is_not_mistaken_for_waiting_for_one(clinic, known):
    from core.clinic import waitlist

    days = {"from_day": dt.date(2026, 11, 24), "to_day": dt.date(2026, 12, 7)}
    anyone = {"doctor_id": None, "department_id": None, "visit_type_id": None}
    one_doctor = anyone | {"doctor_id": clinic["hart"].id}
    waitlist.join(known.id, **one_doctor, **days)
    waitlist.join(known.id, **anyone, **days)
    waitlist.join(known.id, **anyone, **days)  # the same wish twice is kept once
    doctors = sorted(str(e.doctor_id) for e in WaitlistEntry.select())
    assert doctors == sorted([str(clinic["hart"].id), "None"])


def test_changing_a_time_offers_no_waitlist_on_a_day_without_times(clinic, chat, known):
    """Taking a waitlist offer would book a second visit and keep the old one."""
    visit = _book(known, clinic["hart"])
    _open_context(known, "reminder", {"appointment_id": visit.id})
    chat.send("3")
    reply = chat.send("saturday")
    assert chat.state() == "no_times"
    assert "Join the waitlist" not in reply and "Another day" in reply
    assert "Which day" in chat.send("2")  # "2" is now "another day"


def test_sms_yes_answers_the_question_for_a_patient_who_never_opted_out(
    clinic, chat, known
):
    """Twilio lists YES as an opt-in keyword, but to "Book ...?" it means yes."""
    for text in ("hi", "1", "1", "1", "1", "tomorrow", "1"):
        chat.send(text)
    assert chat.state() == "confirm_booking"
    reply = chat.send("YES", keyword="opt_in")
    assert reply.startswith("Booked:")
    assert Appointment.select().where(Appointment.patient == known.id).count() == 1


def test_sms_yes_gives_consent_to_a_new_patient(clinic):
    new = Chat("+15550100999")
    new.send("hi")
    new.send("Rosa Diaz")
    assert new.state() == "ask_consent"
    new.send("Yes", keyword="opt_in")
    assert Patient.get(Patient.phone == "+15550100999").consent_at is not None


def test_sms_yes_from_an_opted_out_patient_only_opts_back_in(clinic, chat, known):
    chat.send("STOP", keyword="opt_out")
    assert chat.send("YES", keyword="opt_in") == ""  # Twilio has answered them
    assert not Patient.get_by_id(known.id).sms_opt_out


def test_a_chat_newly_in_the_inbox_is_told_to_webhooks_once(clinic, chat, known):
    from core.integrations import endpoints
    from core.models import WebhookDelivery

    endpoints.register(
        "https://ehr.example.org/hooks", ["conversation.flagged"], "EHR", False, NOW
    )
    chat.send("can i talk to a real person please")
    chat.send("hello?? anyone")  # still waiting: the chat is flagged already
    (delivery,) = WebhookDelivery.select()
    body = json.loads(delivery.body)
    assert body["type"] == "conversation.flagged"
    assert body["data"]["patient"] == {"id": known.id}
    assert body["data"]["reason"]  # why the bot handed over
    flags = AuditLog.select().where(AuditLog.action == "flag")
    assert [row.patient_id for row in flags] == [known.id]
