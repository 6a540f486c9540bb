"""WhatsApp through Twilio: the same webhook and dialog, templates outside 24 hours.

Inbound messages are signed exactly as Twilio signs them; outbound ones go
through twilio's own client to the fake Messages API.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from bot.dispatcher import Dispatcher
from bot.providers import configured_channels, senders_for
from core.clock import from_db, to_db
from core.jobs.deadlines import reminder_delivered
from core.messaging.outbox import enqueue, routes
from core.models import Appointment, Conversation, Message, Patient, ReminderClaim
from core.settings import Settings, SettingsError
from core.storage.db import write_transaction
from tests.bot.conftest import channel_app, twilio_post
from tests.bot.fakes import FROM_NUMBER
from tests.factories import make_doctor, make_patient, make_policy, make_visit_type

SMS = "/webhooks/twilio/sms"
STATUS = "/webhooks/twilio/status"
SENDER = "whatsapp:+14155238886"
PATIENT = "+15551230077"
TEMPLATES = "reminder.en=HXen0001,reminder.es=HXes0001,notice.en=HXnotice1"
CHOICES = (("Confirm", "1"), ("Cancel this visit", "2"))


@pytest.fixture
def wa_settings(settings):
    return dataclasses.replace(
        settings, twilio_whatsapp_from=SENDER, twilio_whatsapp_templates=TEMPLATES
    )


@pytest.fixture
async def wa_client(aiohttp_client, wa_settings, now):
    make_policy()
    return await aiohttp_client(channel_app(wa_settings, lambda: now))


@pytest.fixture
async def dispatcher(wa_settings, gateway, now):
    d = Dispatcher(gateway, senders_for(wa_settings), clock=lambda: now)
    yield d
    await d.close()


def whatsapp(body: str, sid: str, sender: str = PATIENT, **extra) -> dict:
    return {
        "MessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": f"whatsapp:{sender}",
        "To": SENDER,
        "Body": body,
        "NumMedia": "0",
        **extra,
    }


def queue(patient, body="Your visit is tomorrow at 10:00.", now=None, **kw):
    with write_transaction():
        return enqueue(patient, body, now=now, **kw)


def chain(first: Message) -> list[Message]:
    return list(
        Message.select()
        .where((Message.id == first.id) | (Message.fallback_of == first.id))
        .order_by(Message.id)
    )


# Inbound -------------------------------------------------------------------


async def test_whatsapp_message_runs_the_dialog_for_the_sms_patient(wa_client, now):
    """One person, one record: the phone links WhatsApp to their SMS history."""
    known = make_patient(phone=PATIENT, name="Rosa Diaz", consent_at=to_db(now))
    response = await twilio_post(wa_client, SMS, whatsapp("hola", "SMwa" + "1" * 28))
    assert response.status == 200
    twiml = await response.text()
    assert "<Message>" in twiml and "Rosa" in twiml
    inbound = Message.get(Message.direction == "in")
    assert (inbound.channel, inbound.address) == ("whatsapp", f"whatsapp:{PATIENT}")
    assert inbound.patient_id == known.id
    assert Patient.select().count() == 1
    assert from_db(Patient.get_by_id(known.id).whatsapp_seen_at) == now
    assert Conversation.get().channel == "whatsapp"


async def test_spanish_replies_keep_their_accents_on_whatsapp(wa_client, now):
    """SMS folds accents to stay in GSM-7; WhatsApp is not billed by segment."""
    make_patient(phone=PATIENT, name="Rosa", language="es", consent_at=to_db(now))
    response = await twilio_post(
        wa_client, SMS, whatsapp("quiero ver mis citas", "SMwa" + "2" * 28)
    )
    twiml = await response.text()
    reply = Message.get(Message.direction == "out")
    assert reply.body and reply.body.split("\n")[0] in twiml
    accented = [c for c in reply.body if c in "áéíóúñ¿"]
    assert accented, reply.body  # the Spanish text has accents, and keeps them
    assert all(c in twiml for c in accented)


async def test_a_new_whatsapp_patient_is_created_by_phone(wa_client):
    await twilio_post(wa_client, SMS, whatsapp("hi", "SMwa" + "3" * 28))
    patient = Patient.get()
    assert patient.phone == PATIENT and patient.whatsapp_seen_at is not None
    assert ("whatsapp", f"whatsapp:{PATIENT}") in routes(patient)


async def test_stop_on_whatsapp_is_kept_by_clinicbot_and_start_reopens(wa_client, now):
    """Twilio does not filter STOP on WhatsApp: the dialog records and answers it."""
    patient = make_patient(phone=PATIENT, name="Ann Lee", consent_at=to_db(now))
    response = await twilio_post(wa_client, SMS, whatsapp("STOP", "SMwa" + "4" * 28))
    assert "no more" in (await response.text()).lower()
    row = Patient.get_by_id(patient.id)
    assert row.whatsapp_opt_out and not row.sms_opt_out
    assert [c for c, _ in routes(row)] == ["sms"]

    response = await twilio_post(wa_client, SMS, whatsapp("START", "SMwa" + "5" * 28))
    assert "<Message>" in await response.text()
    assert not Patient.get_by_id(patient.id).whatsapp_opt_out


async def test_a_quick_reply_button_answers_with_its_payload(wa_client, now):
    """The button's id is the dialog's choice value; its title is only shown."""
    make_patient(phone=PATIENT, name="Ann Lee", consent_at=to_db(now))
    await twilio_post(wa_client, SMS, whatsapp("hi", "SMwa" + "6" * 28))
    tapped = whatsapp(
        "My visits", "SMwa" + "7" * 28, ButtonPayload="2", ButtonText="My visits"
    )
    by_button = await (await twilio_post(wa_client, SMS, tapped)).text()
    await twilio_post(wa_client, SMS, whatsapp("menu", "SMwa" + "8" * 28))
    by_number = await (await twilio_post(wa_client, SMS, whatsapp("2", "SMwa9"))).text()
    assert by_button == by_number
    assert "visits" in by_button.lower()


async def test_a_redelivered_whatsapp_message_changes_nothing(wa_client):
    params = whatsapp("hi", "SMwa" + "a" * 28)
    await twilio_post(wa_client, SMS, params)
    count = Message.select().count()
    again = await twilio_post(wa_client, SMS, params)
    assert again.status == 200
    assert Message.select().count() == count


async def test_a_forged_whatsapp_message_is_refused(wa_client):
    params = whatsapp("hi", "SMwa" + "b" * 28)
    response = await wa_client.post(
        SMS, data=params, headers={"X-Twilio-Signature": "forged"}
    )
    assert response.status == 403
    assert Message.select().count() == 0


async def test_a_garbage_whatsapp_sender_is_a_clear_400(wa_client):
    params = whatsapp("hi", "SMwa" + "c" * 28, sender="not-a-number")
    response = await twilio_post(wa_client, SMS, params)
    assert response.status == 400
    assert "phone" in (await response.text()).lower()
    assert Message.select().count() == 0


# Outbound ------------------------------------------------------------------


def on_whatsapp(now, seen_hours_ago: float, **fields) -> Patient:
    seen = now - dt.timedelta(hours=seen_hours_ago)
    return make_patient(phone=PATIENT, whatsapp_seen_at=to_db(seen), **fields)


async def test_inside_the_window_whatsapp_gets_plain_text(dispatcher, fake_twilio, now):
    patient = on_whatsapp(now, 2, language="es")
    message = queue(patient, "Mañana a las 10:00, ¿sí?", now, kind="reminder",
                    choices=CHOICES)  # fmt: skip
    assert await dispatcher.dispatch_due(now) == 1
    [request] = fake_twilio.sent
    assert (request["From"], request["To"]) == (SENDER, f"whatsapp:{PATIENT}")
    assert request["Body"] == "Mañana a las 10:00, ¿sí?\n1 Confirm\n2 Cancel this visit"
    assert "ContentSid" not in request
    row = Message.get_by_id(message.id)
    assert (row.channel, row.status) == ("whatsapp", "sent")


async def test_outside_the_window_a_reminder_goes_as_its_template(
    dispatcher, fake_twilio, now
):
    patient = on_whatsapp(now, 30, language="es")
    queue(patient, "Recordatorio: mañana 10:00\nResponda 1 o 2", now, kind="reminder")
    assert await dispatcher.dispatch_due(now) == 1
    [request] = fake_twilio.sent
    assert request["ContentSid"] == "HXes0001"
    assert "Body" not in request
    variables = json.loads(request["ContentVariables"])
    assert variables == {"1": "Recordatorio: mañana 10:00 · Responda 1 o 2"}


async def test_without_a_template_the_message_falls_back_to_sms(
    dispatcher, fake_twilio, now
):
    """A plain body outside the window would fail at Twilio (63016): go by SMS."""
    patient = on_whatsapp(now, 30)
    first = queue(patient, "Your visit changed.", now, kind="staff")
    assert first.channel == "whatsapp"
    assert await dispatcher.dispatch_due(now) == 0  # the WhatsApp row gave up
    whatsapp_row, sms_row = chain(first)
    assert (whatsapp_row.status, whatsapp_row.error_code) == ("failed", "63016")
    assert (sms_row.channel, sms_row.address, sms_row.fallback_of) == (
        "sms", PATIENT, first.id,
    )  # fmt: skip
    assert await dispatcher.dispatch_due(now) == 1
    [request] = fake_twilio.sent
    assert (request["From"], request["To"]) == (FROM_NUMBER, PATIENT)
    assert request["Body"] == "Your visit changed."


async def test_a_reply_is_never_moved_to_another_channel(dispatcher, fake_twilio, now):
    patient = on_whatsapp(now, 30)
    reply = queue(patient, "Thanks!", now, kind="reply", channel="whatsapp",
                  address=f"whatsapp:{PATIENT}")  # fmt: skip
    fake_twilio.fail_next(400, 63024)
    assert await dispatcher.dispatch_due(now) == 0
    assert [m.channel for m in chain(reply)] == ["whatsapp"]
    assert Message.get_by_id(reply.id).status == "failed"


async def test_an_undelivered_status_sends_the_reminder_by_sms(
    wa_client, wa_settings, dispatcher, fake_twilio, now
):
    """Twilio reports 63016 after accepting: the patient still hears, by SMS."""
    patient = on_whatsapp(now, 2)
    first = queue(patient, "Reminder for tomorrow.", now, kind="reminder")
    assert await dispatcher.dispatch_due(now) == 1
    sid = fake_twilio.sent[0]["sid"]
    status = {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "63016"}
    response = await twilio_post(wa_client, f"{STATUS}?m={first.id}", status)
    assert response.status == 204
    rows = chain(first)
    assert [(m.channel, m.status) for m in rows] == [
        ("whatsapp", "undelivered"), ("sms", "queued"),
    ]  # fmt: skip
    # The same callback again queues nothing more: each channel once per chain.
    await twilio_post(wa_client, f"{STATUS}?m={first.id}", status)
    assert len(chain(first)) == 2


async def test_each_channel_is_tried_once_and_opted_out_ones_never(
    settings, gateway, fake_twilio, fake_telegram, now
):
    """Telegram blocked, WhatsApp opted out: the reminder ends on SMS, once."""
    wa = dataclasses.replace(settings, twilio_whatsapp_from=SENDER)
    d = Dispatcher(gateway, senders_for(wa), clock=lambda: now)
    try:
        patient = on_whatsapp(now, 1, telegram_chat_id="4242", whatsapp_opt_out=True)
        first = queue(patient, "Reminder", now, kind="reminder")
        assert first.channel == "telegram"
        fake_telegram.fail_next(403)
        assert await d.dispatch_due(now) == 0
        assert await d.dispatch_due(now) == 1
        assert [(m.channel, m.status) for m in chain(first)] == [
            ("telegram", "failed"), ("sms", "sent"),
        ]  # fmt: skip
        assert [r["To"] for r in fake_twilio.sent] == [PATIENT]
    finally:
        await d.close()


async def test_nothing_configured_means_no_chain_of_not_sent_copies(
    database, gateway, now
):
    """The demo without credentials: one not-sent row, not one per channel."""
    from tests.bot.conftest import make_settings

    bare = make_settings(database, twilio_account_sid="", twilio_auth_token="",
                         telegram_bot_token="")  # fmt: skip
    d = Dispatcher(gateway, senders_for(bare), clock=lambda: now)
    try:
        patient = on_whatsapp(now, 1, telegram_chat_id="77")
        first = queue(patient, "Reminder", now, kind="reminder")
        await d.dispatch_due(now)
        assert [m.status for m in chain(first)] == ["not_sent"]
    finally:
        await d.close()


async def test_a_cancelled_visit_stops_its_fallback_reminder_too(
    dispatcher, fake_twilio, now
):
    make_policy()
    patient = on_whatsapp(now, 30)
    visit = Appointment.create(
        doctor=make_doctor(), patient=patient, visit_type=make_visit_type(),
        start=to_db(now + dt.timedelta(days=1)),
        end=to_db(now + dt.timedelta(days=1, minutes=30)),
    )  # fmt: skip
    first = queue(patient, "Visit changed", now, kind="staff", appointment_id=visit.id)
    assert await dispatcher.dispatch_due(now) == 0  # no staff template: to SMS
    Appointment.update(status="cancelled").where(Appointment.id == visit.id).execute()
    reminder = queue(patient, "Reminder", now, kind="reminder", appointment_id=visit.id)
    await dispatcher.dispatch_due(now)
    assert Message.get_by_id(reminder.id).status == "not_sent"
    assert [m.channel for m in chain(first)] == ["whatsapp", "sms"]


def test_a_fallback_row_of_a_reminder_counts_as_delivered(database, now):
    """Auto-cancel asks: was the patient asked to confirm? A fallback SMS asked."""
    make_policy()
    patient = make_patient()
    start = to_db(now + dt.timedelta(hours=3))
    visit = Appointment.create(
        doctor=make_doctor(), patient=patient, visit_type=make_visit_type(),
        start=start, end=start + dt.timedelta(minutes=30),
    )  # fmt: skip
    confirm = (("Confirm", "1"), ("Cancel this visit", "2"))
    first = queue(patient, "Reminder", now, kind="reminder", appointment_id=visit.id,
                  choices=confirm, channel="whatsapp",
                  address="whatsapp:+1")  # fmt: skip
    ReminderClaim.create(appointment=visit, kind="lead:180", start=start,
                         message=first)  # fmt: skip
    Message.update(status="failed").where(Message.id == first.id).execute()
    assert not reminder_delivered(visit)
    second = queue(patient, "Reminder", now, kind="reminder", appointment_id=visit.id,
                   choices=confirm, fallback_of=first.id, channel="email",
                   address="a@b.example")  # fmt: skip
    Message.update(status="sent").where(Message.id == second.id).execute()
    assert not reminder_delivered(visit)  # an email cannot be answered
    third = queue(patient, "Reminder", now, kind="reminder", appointment_id=visit.id,
                  choices=confirm, fallback_of=first.id)  # fmt: skip
    Message.update(status="delivered").where(Message.id == third.id).execute()
    assert reminder_delivered(visit)


# Configuration -------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"twilio_whatsapp_from": "+14155238886"}, "TWILIO_WHATSAPP_FROM"),
        ({"twilio_whatsapp_from": "whatsapp:14155"}, "TWILIO_WHATSAPP_FROM"),
        ({"twilio_whatsapp_templates": "reminder=HX1"}, "TWILIO_WHATSAPP_TEMPLATES"),
        ({"twilio_whatsapp_templates": "birthday.en=HX1"}, "TWILIO_WHATSAPP_TEMPLATES"),
    ],
)
def test_bad_whatsapp_settings_name_the_variable(fields, named):
    base = {"demo": True, "twilio_account_sid": "AC1", "twilio_auth_token": "t",
            "twilio_whatsapp_from": SENDER}  # fmt: skip
    with pytest.raises(SettingsError, match=named):
        Settings(**(base | fields))


def test_whatsapp_needs_twilio_credentials():
    with pytest.raises(SettingsError, match="TWILIO_WHATSAPP_FROM needs"):
        Settings(demo=True, twilio_whatsapp_from=SENDER)


def test_whatsapp_alone_is_enough_for_twilio():
    settings = Settings.from_env(
        {"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t",
         "TWILIO_WHATSAPP_FROM": SENDER, "TWILIO_WHATSAPP_TEMPLATES": TEMPLATES},
        demo=True,
    )  # fmt: skip
    assert settings.whatsapp_configured and not settings.sms_configured
    assert settings.whatsapp_templates[("notice", "en")] == "HXnotice1"
    assert configured_channels(settings) == ("whatsapp",)
