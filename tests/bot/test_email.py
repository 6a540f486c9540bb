"""Email end to end: the outbox, aiosmtplib, a real SMTP server (aiosmtpd) on loopback.

Invites are read back with icalendar, as a calendar app would read them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from icalendar import Calendar

from bot.dispatcher import Dispatcher
from bot.email import EmailSender, SmtpServer
from bot.providers import senders_for
from core import audit
from core.clinic import booking
from core.clock import from_db, to_db
from core.jobs.reminders import run_reminders
from core.messaging import patients
from core.messaging.delivery import UNREACHABLE
from core.messaging.outbox import enqueue
from core.models import AuditLog, Message, Patient
from core.policy import load_policy
from core.settings import Settings, SettingsError
from core.storage.db import write_transaction
from tests.factories import make_doctor, make_patient, make_policy, make_visit_type
from tests.smtp import free_port, smtp_listening

SECOND = dt.timedelta(seconds=1)
FROM = "desk@riverside.example"


# The patient's own changes: these tests are about the email a change sends.
# Staff's changes also text the patient (tests/core/clinic/test_telling.py).
def by_patient(patient_id: int) -> audit.Actor:
    return audit.Actor("patient", patient_id)


@pytest.fixture
def email_settings(settings, smtp_server) -> Settings:
    """The channel settings (fake Twilio and Telegram) plus the loopback SMTP server."""
    return dataclasses.replace(settings, smtp_url=smtp_server.url, email_from=FROM)


@pytest.fixture
async def dispatcher(email_settings, gateway, now):
    d = Dispatcher(gateway, senders_for(email_settings), clock=lambda: now)
    yield d
    await d.close()


@pytest.fixture
def clinic(database):
    """A policy and a doctor working Mon-Fri 09-17 (in UTC)."""
    make_policy(clinic_name="Riverside Clinic")
    return make_doctor(name="Dr. Okafor")


def email_patient(**overrides) -> Patient:
    fields = {"name": "Ana Ruiz", "email": "ana@example.org"}
    return make_patient(**(fields | {"preferred_channel": "email"} | overrides))


def book(patient, doctor, start, now, **kwargs):
    return booking.book(
        patient_id=patient.id,
        doctor_id=doctor.id,
        start=start,
        policy=load_policy(),
        now=now,
        actor=by_patient(patient.id),
        **kwargs,
    )


def text_of(message) -> str:
    """The plain text as the patient reads it (SMTP carries CRLF line ends)."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    return text.replace("\r\n", "\n")


def invite_of(message):
    """(the text/calendar part, its VEVENT, the VCALENDAR) of an email."""
    [part] = [p for p in message.iter_attachments() if p.get_filename() == "invite.ics"]
    calendar = Calendar.from_ical(part.get_content())
    [event] = calendar.walk("VEVENT")
    return part, event, calendar


def email_rows() -> list[Message]:
    return list(Message.select().where(Message.channel == "email").order_by(Message.id))


async def test_a_reminder_goes_by_email_through_smtp(
    dispatcher, smtp_server, clinic, now
):
    patient = email_patient(consent_at=to_db(now), preferred_channel="")
    start = now + dt.timedelta(days=1, hours=2)  # Tue 10:00
    visit = book(patient, clinic, start, now - dt.timedelta(days=3))
    assert email_rows() == []  # booked before they chose email
    patients.set_contact(
        patient.id, email=patient.email, preferred_channel="email", language="en"
    )
    due = start - dt.timedelta(hours=24)

    run_reminders(load_policy(), due)
    [row] = email_rows()
    assert (row.kind, row.address) == ("reminder", "ana@example.org")
    assert await dispatcher.dispatch_due(due) == 1

    [received] = smtp_server.envelopes
    assert received.rcpt_tos == ["ana@example.org"]
    assert received.mail_from == FROM and received.login == "mailer"
    message = received.message
    assert message["To"] == "ana@example.org"
    assert message["From"] == f"Riverside Clinic <{FROM}>"
    assert (
        message["Subject"]
        == "Riverside Clinic: reminder of your visit on Tue 24 Nov, 10:00"
    )
    body = text_of(message)
    assert body.startswith("Hello Ana,\n\n")
    assert (
        "reminder of your Consultation visit with Dr. Okafor on Tue 24 Nov, 10:00"
        in body
    )
    # An email cannot carry the SMS's "Reply 1": it points to the texts instead.
    assert "Reply 1" not in body
    assert "message us by text message. Replies to this email are not read." in body
    part, event, calendar = invite_of(message)
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "REQUEST" == str(calendar["METHOD"])
    assert event.decoded("DTSTART") == start
    assert event.decoded("DTEND") == start + dt.timedelta(minutes=30)
    assert str(event["UID"]) == f"appointment-{visit.id}@clinic.example.org"
    assert str(event["ORGANIZER"]) == f"mailto:{FROM}"
    assert str(event["ATTENDEE"]) == "mailto:ana@example.org"
    row = Message.get_by_id(row.id)
    assert (row.status, row.provider_id) == ("sent", message["Message-ID"].strip())
    assert from_db(row.sent_at) == due


async def test_booking_move_and_cancel_update_one_calendar_event(
    dispatcher, smtp_server, clinic, now
):
    """Same UID, growing SEQUENCE, and METHOD:CANCEL: the app moves, then removes it."""
    patient = email_patient()
    first = now + dt.timedelta(days=1, hours=2)  # Tue 10:00
    moved = now + dt.timedelta(days=2, hours=3)  # Wed 11:00
    t = now + dt.timedelta(hours=1)

    visit = book(patient, clinic, first, t)
    assert await dispatcher.dispatch_due(t) == 1
    booking.reschedule(
        visit.id,
        moved,
        policy=load_policy(),
        now=t + 600 * SECOND,
        actor=by_patient(visit.patient_id),
    )
    assert await dispatcher.dispatch_due(t + 600 * SECOND) == 1
    patient_actor = audit.Actor("patient", patient.id)
    booking.cancel(visit.id, patient_actor, "chest pain", t + 1200 * SECOND)
    assert await dispatcher.dispatch_due(t + 1200 * SECOND) == 1

    booked, move, cancel = smtp_server.messages
    invites = [invite_of(m) for m in (booked, move, cancel)]
    events = [event for _, event, _ in invites]
    assert {str(e["UID"]) for e in events} == {
        f"appointment-{visit.id}@clinic.example.org"
    }
    sequences = [int(e["SEQUENCE"]) for e in events]
    assert sequences == sorted(sequences) and len(set(sequences)) == 3
    assert [str(c["METHOD"]) for _, _, c in invites] == ["REQUEST", "REQUEST", "CANCEL"]
    assert [p.get_param("method") for p, _, _ in invites] == [
        "REQUEST",
        "REQUEST",
        "CANCEL",
    ]
    assert str(events[2]["STATUS"]) == "CANCELLED"
    assert [e.decoded("DTSTART") for e in events] == [first, moved, moved]
    assert "booked for Tue 24 Nov, 10:00" in text_of(booked)
    assert "moved to Wed 25 Nov, 11:00" in text_of(move)
    assert (
        cancel["Subject"]
        == "Riverside Clinic: your visit on Wed 25 Nov, 11:00 is cancelled"
    )
    assert "takes this visit out of your calendar" in text_of(cancel)
    assert "chest pain" not in cancel.as_string()  # the reason stays with staff
    assert all(row.kind == "notice" for row in email_rows())


@pytest.mark.parametrize(
    "overrides",
    [
        {"preferred_channel": ""},  # has an email, did not choose it
        {"preferred_channel": "sms"},
        {"email_opt_out": True},  # chose it, then it was turned off (or bounced)
        {"email": None},
    ],
)
async def test_no_booking_email_unless_the_patient_chose_email(clinic, now, overrides):
    patient = email_patient(**overrides)
    t = now + dt.timedelta(hours=1)
    visit = book(patient, clinic, now + dt.timedelta(days=1, hours=2), t)
    booking.cancel(visit.id, by_patient(patient.id), "", t)
    assert email_rows() == []
    assert Message.select().count() == 0


async def test_a_refused_address_is_closed_and_the_text_goes_by_sms(
    dispatcher, smtp_server, fake_twilio, clinic, now
):
    patient = email_patient()
    smtp_server.refused.add("ana@example.org")
    t = now + dt.timedelta(hours=1)
    book(patient, clinic, now + dt.timedelta(days=1, hours=2), t)

    assert await dispatcher.dispatch_due(t) == 0
    [email] = email_rows()
    assert (email.status, email.error_code) == ("failed", "550")
    assert ("email", "550") in UNREACHABLE
    assert Patient.get_by_id(patient.id).email_opt_out
    [told] = AuditLog.select().where(AuditLog.action == "patient_unreachable")
    assert json.loads(told.detail)["channel"] == "email"
    [sms] = Message.select().where(Message.channel == "sms")
    assert (sms.fallback_of, sms.address, sms.body) == (
        email.id,
        patient.phone,
        email.body,
    )
    assert smtp_server.messages == []

    assert await dispatcher.dispatch_due(t + SECOND) == 1
    [request] = fake_twilio.sent
    assert request["To"] == patient.phone
    assert request["Body"].startswith(
        "Your Consultation visit with Dr. Okafor is booked"
    )
    # The address stays closed: the next change is not emailed again.
    booking.cancel(
        email.appointment_id, by_patient(email.patient_id), "", t + 2 * SECOND
    )
    assert len(email_rows()) == 1


async def test_a_busy_mailbox_is_tried_again_and_stays_open(
    dispatcher, smtp_server, clinic, now
):
    patient = email_patient()
    smtp_server.deferred.add("ana@example.org")
    t = now + dt.timedelta(hours=1)
    book(patient, clinic, now + dt.timedelta(days=1, hours=2), t)

    assert await dispatcher.dispatch_due(t) == 0
    [row] = email_rows()
    assert (row.status, row.error_code, row.attempts) == ("queued", "450", 1)
    assert not Patient.get_by_id(patient.id).email_opt_out
    smtp_server.deferred.clear()
    assert await dispatcher.dispatch_due(t + 15 * SECOND) == 1
    assert len(smtp_server.messages) == 1


async def test_a_server_that_is_down_is_retried_not_failed(
    settings, gateway, clinic, now
):
    port = free_port()  # nobody listens here yet
    down = dataclasses.replace(
        settings, smtp_url=f"smtp://mailer:secret@127.0.0.1:{port}", email_from=FROM
    )
    dispatcher = Dispatcher(gateway, senders_for(down), clock=lambda: now)
    try:
        patient = email_patient()
        t = now + dt.timedelta(hours=1)
        book(patient, clinic, now + dt.timedelta(days=1, hours=2), t)

        assert await dispatcher.dispatch_due(t) == 0
        [row] = email_rows()
        assert (row.status, row.attempts, row.error_code) == ("queued", 1, None)
        assert "smtp" in row.error_text
        assert from_db(row.next_attempt_at) == t + 15 * SECOND
        assert Message.select().where(Message.channel == "sms").count() == 0

        with smtp_listening(port=port) as server:  # it is back
            assert await dispatcher.dispatch_due(t + 15 * SECOND) == 1
        assert len(server.messages) == 1
        assert Message.get_by_id(row.id).status == "sent"
    finally:
        await dispatcher.close()


async def test_accents_survive_in_subject_body_and_invite(dispatcher, smtp_server, now):
    facts = {"es": {"address": "Calle Mayor 5, Logroño", "phone": "+34 941 000 000"}}
    make_policy(clinic_name="Clínica Santa Lucía", facts=json.dumps(facts))
    consult = make_visit_type(name="Consultation", names='{"es": "Consulta general"}')
    doctor = make_doctor(name="Dra. Peña", visit_types=[consult])
    patient = email_patient(
        name="José Núñez", email="jose.nunez@correo.example", language="es", phone=None
    )
    t = now + dt.timedelta(hours=1)
    book(patient, doctor, now + dt.timedelta(days=1, hours=2), t)
    assert await dispatcher.dispatch_due(t) == 1

    [message] = smtp_server.messages
    assert message["Subject"] == "Clínica Santa Lucía: su cita el mar 24 nov, 10:00"
    assert message["From"] == f"Clínica Santa Lucía <{FROM}>"
    body = text_of(message)
    assert body.startswith("Hola, José:\n\n")
    assert "Su cita de Consulta general con Dra. Peña está reservada" in body
    # No other channel: the email says it is not read, and gives the phone.
    assert (
        "no se leen. Para cambiar o anular una cita, llámenos al +34 941 000 000"
        in body
    )
    assert body.rstrip().endswith("Clínica Santa Lucía\nCalle Mayor 5, Logroño")
    _, event, _ = invite_of(message)
    assert (
        str(event["SUMMARY"])
        == "Cita en Clínica Santa Lucía: Consulta general con Dra. Peña"
    )
    assert str(event["LOCATION"]) == "Calle Mayor 5, Logroño"


async def test_an_email_without_a_visit_has_no_invite(dispatcher, smtp_server, now):
    make_policy(clinic_name="Riverside Clinic")
    patient = email_patient(telegram_chat_id="4242")
    with write_transaction():
        enqueue(patient, "We are closed on Friday.", now=now, kind="staff")
    assert await dispatcher.dispatch_due(now + SECOND) == 1

    [message] = smtp_server.messages
    assert message["Subject"] == "A message from Riverside Clinic"
    assert list(message.iter_attachments()) == []
    body = text_of(message)
    assert "We are closed on Friday." in body
    assert "To answer, message us in our Telegram chat." in body


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.org", SmtpServer("mail.example.org", 25)),
        (
            "smtp://u%40x.org:p%40ss%2Fw@mail.example.org",
            SmtpServer("mail.example.org", 587, "u@x.org", "p@ss/w"),
        ),
        (
            "smtp://u:pw@mail.example.org:2525",
            SmtpServer("mail.example.org", 2525, "u", "pw"),
        ),
        (
            "smtps://u:pw@mail.example.org",
            SmtpServer("mail.example.org", 465, "u", "pw", use_tls=True),
        ),
    ],
)
def test_the_smtp_url_gives_host_port_login_and_tls(url, expected):
    assert SmtpServer.from_url(url) == expected


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"CLINICBOT_SMTP_URL": "http://mail.example.org"}, "CLINICBOT_SMTP_URL"),
        ({"CLINICBOT_SMTP_URL": "mail.example.org:587"}, "CLINICBOT_SMTP_URL"),
        ({"CLINICBOT_SMTP_URL": "smtp://"}, "CLINICBOT_SMTP_URL"),
        ({"CLINICBOT_SMTP_URL": "smtp://mail.example.org:port"}, "bad port"),
        ({"CLINICBOT_SMTP_URL": "smtp://mail.example.org"}, "CLINICBOT_EMAIL_FROM"),
    ],
)
def test_a_bad_smtp_setting_is_named(env, says):
    env = {"CLINICBOT_SECRET_KEY": "x" * 32, **env}
    with pytest.raises(SettingsError, match=says):
        Settings.from_env(env)


async def test_email_is_a_sender_only_when_configured(settings):
    configured = dataclasses.replace(
        settings, smtp_url="smtps://u:p@mail.example.org", email_from=FROM
    )
    for setting, channels in ((settings, 2), (configured, 3)):
        senders = senders_for(setting)
        try:
            assert len(senders) == channels
            assert ("email" in senders) == bool(setting.smtp_url)
        finally:
            for sender in senders.values():
                await sender.close()
    sender = EmailSender(configured)
    assert sender.server.use_tls and sender.server.port == 465


async def test_an_auto_cancel_is_emailed_once_and_texted_where_they_read_texts(
    dispatcher, smtp_server, fake_twilio, clinic, now
):
    """booking.cancel emails the CANCEL; the deadline's urgent word goes by SMS."""
    from core.jobs.deadlines import run_deadlines

    patient = email_patient(consent_at=to_db(now), preferred_channel="")
    start = now + dt.timedelta(days=1, hours=4)  # Tue 12:00
    visit = book(patient, clinic, start, now)
    asked = start - dt.timedelta(hours=3)
    run_reminders(load_policy(), asked)
    assert await dispatcher.dispatch_due(asked) == 1  # the reminder, by SMS
    patients.set_contact(
        patient.id, email=patient.email, preferred_channel="email", language="en"
    )

    deadline = start - dt.timedelta(minutes=15)
    assert run_deadlines(load_policy(), deadline)["deadline_auto_cancelled"] == 1
    [email] = email_rows()
    assert (email.kind, email.appointment_id) == ("notice", visit.id)
    [text] = Message.select().where(Message.channel == "sms", Message.kind == "notice")
    assert text.urgent and "not confirmed in time" in text.body

    assert await dispatcher.dispatch_due(deadline) == 2
    [message] = smtp_server.messages
    assert str(invite_of(message)[2]["METHOD"]) == "CANCEL"
    assert len(fake_twilio.sent) == 2  # the reminder and the urgent notice
