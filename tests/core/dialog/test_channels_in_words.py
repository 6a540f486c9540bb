"""Patients who give an email in a text, and who write on WhatsApp.

The small clinic of conftest.py, on a real database; each goal is checked in
the database, not in the replies alone.
"""

from __future__ import annotations

from core.models import Appointment, Conversation, Patient
from tests.core.dialog.conftest import Chat
from tests.factories import make_patient


def test_an_email_in_a_sentence_is_kept_and_chosen_for_reminders(known):
    reply = Chat(known.phone).send(
        "can u email me the reminders? its Ana.Ruiz@Mail.COM"
    )
    patient = Patient.get_by_id(known.id)
    assert (patient.email, patient.preferred_channel) == ("Ana.Ruiz@mail.com", "email")
    assert "Ana.Ruiz@Mail.COM" in reply and "calendar invite" in reply


def test_an_email_alone_means_send_things_there(known):
    Chat(known.phone).send("ben.o@example.org")
    assert Patient.get_by_id(known.id).preferred_channel == "email"


def test_spanish_correo_is_understood(known):
    Patient.update(language="es").where(Patient.id == known.id).execute()
    reply = Chat(known.phone).send("mi correo es lucia.g@correo.es gracias!!")
    assert "lucia.g@correo.es" in reply and "invitación" in reply
    assert Patient.get_by_id(known.id).preferred_channel == "email"


def test_an_email_given_in_passing_is_kept_without_changing_the_channel(known):
    Chat(known.phone).send("fyi my wife is sam@example.net if you cant reach me")
    patient = Patient.get_by_id(known.id)
    assert patient.email == "sam@example.net" and patient.preferred_channel == ""


def test_an_email_of_another_patient_changes_nothing_and_goes_to_staff(known):
    """Whose address it is stays private; staff see the conversation flagged."""
    other = make_patient(email="taken@example.com")
    reply = Chat(known.phone).send("taken@example.com")
    assert "could not save" in reply and other.name not in reply
    assert Patient.get_by_id(known.id).email is None
    conversation = Conversation.get()
    assert conversation.flagged and "another patient" in conversation.flag_reason


def test_giving_an_email_mid_booking_carries_on_with_the_booking(clinic, known):
    chat = Chat(known.phone)
    chat.send("i need an appointment with dr hart tmrw")
    state = chat.state()
    reply = chat.send("oh and send the confirmation to me@pat.example pls")
    assert chat.state() == state
    assert Patient.get_by_id(known.id).email == "me@pat.example"
    assert "me@pat.example" in reply


def test_a_whatsapp_patient_books_in_words_and_stop_is_kept_for_whatsapp(clinic, known):
    """The same person as on SMS; STOP on WhatsApp leaves their texts alone."""
    chat = Chat(f"whatsapp:{known.phone}", channel="whatsapp")
    chat.send("hiii 👋 can dr ortiz see me tomorrow at 10??")
    chat.send("yes")
    visit = Appointment.get(Appointment.patient == known.id)
    assert (visit.doctor_id, visit.status, visit.created_via) == (
        clinic["ortiz"].id, "scheduled", "whatsapp",
    )  # fmt: skip
    assert "no more" in chat.send("stop").lower()
    patient = Patient.get_by_id(known.id)
    assert patient.whatsapp_opt_out and not patient.sms_opt_out
    assert patient.whatsapp_seen_at is not None
