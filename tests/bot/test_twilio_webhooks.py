"""Twilio webhooks: signatures as Twilio computes them, TwiML, status callbacks."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from peewee import OperationalError
from twilio.request_validator import RequestValidator

from bot.texts import channel_text
from bot.twilio_sms import carrier_keyword, twiml
from core.clock import to_db
from core.messaging.inbound import Reply
from core.messaging.texts import is_gsm7
from core.models import Appointment, Conversation, Message, Patient
from tests.bot.conftest import PUBLIC_URL, channel_app, sign, twilio_post
from tests.bot.fakes import AUTH_TOKEN
from tests.factories import make_doctor, make_patient, make_visit_type

SMS = "/webhooks/twilio/sms"
STATUS = "/webhooks/twilio/status"


def sms(body: str = "Hi", sid: str = "SM" + "a" * 32, sender: str = "+15551230001"):
    return {
        "MessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": sender,
        "To": "+15550009999",
        "Body": body,
        "NumMedia": "0",
    }


def stored() -> int:
    return Message.select().count()


@pytest.fixture
def fake_dialog(dialog):
    """A dialog that records its calls and answers fixed replies."""
    calls = []
    replies = [Reply("Pick one", (("Confirm", "confirm"), ("Change time", "change")))]

    def handle_inbound(inbound, now, *, deliver):
        calls.append((inbound, deliver))
        return replies

    dialog.run = handle_inbound
    return calls


async def test_signed_sms_runs_the_dialog_and_answers_twiml(client):
    response = await twilio_post(client, SMS, sms("Hi"))
    assert response.status == 200
    assert response.content_type == "application/xml"
    twiml = await response.text()
    assert twiml.startswith('<?xml version="1.0" encoding="UTF-8"?><Response><Message>')
    inbound = Message.get(Message.direction == "in")
    assert (inbound.channel, inbound.address, inbound.body) == (
        "sms",
        "+15551230001",
        "Hi",
    )
    assert inbound.provider_id == "SM" + "a" * 32
    replies = list(Message.select().where(Message.direction == "out"))
    assert replies and all(r.status == "sent" for r in replies)
    assert all(r.body.split("\n")[0] in twiml for r in replies)


def test_twiml_is_escaped_and_each_answer_kept_apart():
    """Documents are cached per answer: equal answers share one, others don't."""
    answer = [Reply("Tom & Jerry <3", (("Yes", "y"),))]
    first = twiml(answer).text
    assert "<Message>Tom &amp; Jerry &lt;3\n1 Yes</Message>" in first
    assert twiml(list(answer)).text == first
    assert (
        "<Message>a</Message><Message>b</Message>"
        in twiml([Reply("a"), Reply("b")]).text
    )
    assert (
        "<Message>b</Message><Message>a</Message>"
        in twiml([Reply("b"), Reply("a")]).text
    )


async def test_choices_become_numbered_lines(client, fake_dialog):
    response = await twilio_post(client, SMS, sms("book"))
    text = await response.text()
    assert "<Message>Pick one\n1 Confirm\n2 Change time</Message>" in text
    [(inbound, deliver)] = fake_dialog
    assert (inbound.channel, inbound.address, deliver) == (
        "sms",
        "+15551230001",
        "inline",
    )
    assert inbound.phone is None  # phone= means "shared on Telegram" to the dialog


async def test_missing_signature_is_refused_and_nothing_stored(client):
    response = await client.post(SMS, data=sms())
    assert response.status == 403
    assert stored() == 0


async def test_forged_signature_is_refused(client):
    params = sms()
    forged = sign(params, PUBLIC_URL + SMS, token="not-the-auth-token")
    response = await client.post(
        SMS, data=params, headers={"X-Twilio-Signature": forged}
    )
    assert response.status == 403
    assert stored() == 0


async def test_replayed_signature_on_another_body_is_refused(client):
    original = sms("Hi")
    signature = sign(original, PUBLIC_URL + SMS)
    tampered = {**original, "Body": "STOP"}
    response = await client.post(
        SMS, data=tampered, headers={"X-Twilio-Signature": signature}
    )
    assert response.status == 403
    assert stored() == 0


async def test_redelivered_message_sid_changes_nothing(client):
    first = await twilio_post(client, SMS, sms("Hi"))
    assert first.status == 200
    count = stored()
    again = await twilio_post(client, SMS, sms("Hi"))
    assert again.status == 200
    assert await again.text() == '<?xml version="1.0" encoding="UTF-8"?><Response />'
    assert stored() == count


async def test_query_string_is_part_of_the_signed_url(client):
    path = SMS + "?clinic=main&x=%2B1"
    ok = await twilio_post(client, path, sms(), url=PUBLIC_URL + path)
    assert ok.status == 200
    without_query = await twilio_post(
        client, path, sms(sid="SM" + "b" * 32), url=PUBLIC_URL + SMS
    )
    assert without_query.status == 403


@pytest.mark.parametrize(
    ("signed_as", "status"),
    [
        (PUBLIC_URL + ":443" + SMS, 200),  # with the port
        (PUBLIC_URL + SMS, 200),  # as configured
        (PUBLIC_URL.replace("https:", "http:") + SMS, 403),
        (PUBLIC_URL + SMS + "/", 403),
    ],
)
async def test_signatures_over_either_port_form_and_nothing_else(
    client, signed_as, status
):
    """Twilio may sign the URL with or without :443; RequestValidator takes both."""
    assert PUBLIC_URL.startswith("https://") and ":443" not in PUBLIC_URL
    response = await twilio_post(client, SMS, sms(), url=signed_as)
    assert response.status == status
    stored = Message.select().where(Message.direction == "in").count()
    assert stored == (1 if status == 200 else 0)


async def test_behind_a_proxy_without_public_url(aiohttp_client, settings, now):
    """TLS ends at the proxy: Twilio signed https://public-host, the app sees http.

    With CLINICBOT_PUBLIC_URL unset, X-Forwarded-Proto/Host rebuild the URL.
    """
    settings = dataclasses.replace(settings, public_url="")
    client = await aiohttp_client(channel_app(settings, lambda: now))
    proxy = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "clinic.example.org"}
    ok = await twilio_post(client, SMS, sms(), headers=proxy)
    assert ok.status == 200
    direct = await twilio_post(client, SMS, sms(sid="SM" + "c" * 32))
    assert direct.status == 403


async def test_sha256_signature_settings_header(client):
    params = sms()
    validator = RequestValidator(AUTH_TOKEN)
    signature = validator.compute_signature(PUBLIC_URL + SMS, params, "HMAC_SHA256")
    response = await client.post(
        SMS,
        data=params,
        headers={
            "X-Twilio-Signature": signature,
            "X-Twilio-Webhooks-Signature-Settings": "algorithm=HMAC_SHA256",
        },
    )
    assert response.status == 200


@pytest.mark.parametrize(
    "params",
    [
        {k: v for k, v in sms().items() if k != "From"},
        {k: v for k, v in sms().items() if k != "MessageSid"},
        {**sms(), "From": "not a number"},
    ],
    ids=["no-from", "no-sid", "bad-from"],
)
async def test_malformed_form_is_400_and_stores_nothing(client, params):
    response = await twilio_post(client, SMS, params)
    assert response.status == 400
    assert stored() == 0


async def test_json_body_is_400(client):
    signature = sign({}, PUBLIC_URL + SMS)
    response = await client.post(
        SMS, json={"Body": "hi"}, headers={"X-Twilio-Signature": signature}
    )
    assert response.status == 400


async def test_media_only_gets_a_polite_answer(client):
    params = {**sms(""), "NumMedia": "1", "MediaUrl0": "https://api.twilio.com/media/1"}
    response = await twilio_post(client, SMS, params)
    assert response.status == 200
    assert channel_text("en", "media_only") in await response.text()


@pytest.mark.parametrize(
    ("extra", "note", "answer"),
    [
        ({"Body": "", "NumMedia": "1"}, "[1 media]", "media_only"),
        ({"Body": "   "}, "[empty]", "empty"),
        ({"Body": "x" * 2000}, "[too long]", "too_long"),
    ],
    ids=["media", "empty", "oversize"],
)
async def test_messages_outside_the_dialog_are_stored_and_answered_once(
    client, extra, note, answer
):
    params = {**sms(), **extra}
    first = await (await twilio_post(client, SMS, params)).text()
    again = await (await twilio_post(client, SMS, params)).text()  # a redelivery
    assert channel_text("en", answer) in first
    assert "<Message>" not in again
    inbound = Message.get(Message.direction == "in")
    assert (inbound.body, inbound.provider_id) == (note, params["MessageSid"])
    [reply] = Message.select().where(Message.direction == "out")
    assert reply.status == "sent" and reply.body == channel_text("en", answer)


async def test_a_spanish_reply_is_sent_folded_to_gsm7(client):
    make_patient(
        phone="+15551230001", language="es", consent_at=dt.datetime(2026, 1, 1)
    )
    page = await (await twilio_post(client, SMS, sms("ayuda"))).text()
    stored = Message.get(Message.direction == "out").body
    assert "el número de una opción" in stored  # the text as written
    assert "el numero de una opcion" in page and is_gsm7(page)


async def test_a_spanish_patient_gets_the_channel_answers_in_spanish(client):
    make_patient(phone="+15551230001", language="es")
    params = {**sms(""), "NumMedia": "1", "MediaUrl0": "https://api.twilio.com/media/1"}
    page = await (await twilio_post(client, SMS, params)).text()
    assert "Solo puedo leer mensajes de texto" in page
    long = await (
        await twilio_post(client, SMS, sms("x" * 2000, sid="SM" + "b" * 32))
    ).text()
    assert "demasiado largo" in long


async def test_oversize_message_gets_a_polite_answer(client):
    response = await twilio_post(client, SMS, sms("x" * 2000))
    assert response.status == 200
    assert channel_text("en", "too_long") in await response.text()


@pytest.mark.parametrize("body", ["🎉👍🏽", "\x00\x01garbage\ufffd", "a" * 1600, "   "])
async def test_any_text_gets_an_answer_never_an_error(client, body):
    response = await twilio_post(client, SMS, sms(body))
    assert response.status == 200
    assert "<Message>" in await response.text()


async def test_no_database_still_gets_an_apology(client, dialog):
    def broken(inbound, now, *, deliver):
        raise OperationalError("database is locked")

    dialog.run = broken
    response = await twilio_post(client, SMS, sms())
    assert response.status == 200
    assert channel_text("en", "sorry") in await response.text()


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("STOP", "opt_out"), (" stop ", "opt_out"), ("StopAll", "opt_out"),
        ("UNSUBSCRIBE", "opt_out"), ("cancel", "opt_out"), ("End", "opt_out"),
        ("quit", "opt_out"), ("START", "opt_in"), ("yes", "opt_in"),
        ("unstop", "opt_in"), ("HELP", "help"), ("info", "help"),
        ("stop please", None), ("cancel my visit", None), ("", None),
    ],
)  # fmt: skip
def test_carrier_keywords(text, keyword):
    assert carrier_keyword(text) == keyword


async def test_stop_opts_out_and_start_opts_back_in(client, now):
    patient = make_patient(phone="+15551230001", name="Ana Test", consent_at=now)
    Appointment.create(
        doctor=make_doctor(), patient=patient, visit_type=make_visit_type(),
        start=to_db(now + dt.timedelta(days=1)),
        end=to_db(now + dt.timedelta(days=1, minutes=30)),
    )  # fmt: skip
    stop = await twilio_post(client, SMS, sms(" Stop ", sid="SM" + "1" * 32))
    assert stop.status == 200
    assert Patient.get_by_id(patient.id).sms_opt_out
    # The visit is still booked, so staff are asked to follow up.
    assert Conversation.get(Conversation.address == "+15551230001").flagged
    start = await twilio_post(client, SMS, sms("START", sid="SM" + "2" * 32))
    assert start.status == 200
    assert not Patient.get_by_id(patient.id).sms_opt_out


async def test_help_gets_the_help_text(client, fake_dialog):
    await twilio_post(client, SMS, sms("INFO"))
    [(inbound, _)] = fake_dialog
    assert inbound.keyword == "help"


def _sent_sms(sid: str, status: str = "sent") -> Message:
    patient = make_patient()
    return Message.create(
        direction="out", channel="sms", address=patient.phone, patient=patient,
        body="Reminder", provider_id=sid, status=status,
    )  # fmt: skip


async def test_status_callback_records_delivery(client):
    message = _sent_sms("SM" + "d" * 32)
    params = {"MessageSid": message.provider_id, "MessageStatus": "delivered"}
    response = await twilio_post(client, STATUS, params)
    assert response.status == 204
    assert Message.get_by_id(message.id).status == "delivered"
    # A late "sent" or "queued" never moves it back.
    for late in ("sent", "queued"):
        await twilio_post(client, STATUS, {**params, "MessageStatus": late})
        assert Message.get_by_id(message.id).status == "delivered"


async def test_status_callback_records_error_code(client):
    message = _sent_sms("SM" + "e" * 32)
    params = {
        "MessageSid": message.provider_id,
        "MessageStatus": "undelivered",
        "ErrorCode": "30003",
    }
    await twilio_post(client, STATUS, params)
    row = Message.get_by_id(message.id)
    assert (row.status, row.error_code) == ("undelivered", "30003")


async def test_status_callback_opted_out_flags_staff(client, now):
    message = _sent_sms("SM" + "f" * 32)
    visit = Appointment.create(
        doctor=make_doctor(), patient=message.patient, visit_type=make_visit_type(),
        start=to_db(now + dt.timedelta(days=1)),
        end=to_db(now + dt.timedelta(days=1, minutes=30)),
    )  # fmt: skip
    Conversation.create(channel="sms", address=message.address, patient=message.patient)
    params = {
        "MessageSid": message.provider_id,
        "MessageStatus": "failed",
        "ErrorCode": "21610",
    }
    await twilio_post(client, STATUS, params)
    assert Message.get_by_id(message.id).status == "failed"
    assert Patient.get_by_id(message.patient_id).sms_opt_out
    assert Conversation.get(Conversation.address == message.address).flagged
    assert visit.id  # the visit stays booked; staff decide


async def test_status_callback_forged_changes_nothing(client):
    message = _sent_sms("SM" + "9" * 32)
    params = {"MessageSid": message.provider_id, "MessageStatus": "failed"}
    forged = sign(params, PUBLIC_URL + STATUS, token="wrong")
    response = await client.post(
        STATUS, data=params, headers={"X-Twilio-Signature": forged}
    )
    assert response.status == 403
    assert Message.get_by_id(message.id).status == "sent"


async def test_status_callback_needs_sid_and_status(client):
    response = await twilio_post(client, STATUS, {"MessageSid": "SM1"})
    assert response.status == 400


async def test_status_callback_for_unknown_sid_is_accepted(client):
    response = await twilio_post(
        client, STATUS, {"MessageSid": "SM404", "MessageStatus": "delivered"}
    )
    assert response.status == 204


async def test_a_status_callback_that_beats_our_record_of_the_sid_still_lands(
    client, now
):
    """Twilio can call back before the dispatcher has written the MessageSid."""
    from core.messaging.delivery import record_results

    message = _sent_sms(None, status="sending")
    sid = "SM" + "9" * 32
    params = {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "30005"}
    response = await twilio_post(client, f"{STATUS}?m={message.id}", params)
    assert response.status == 204
    assert Message.get_by_id(message.id).status == "undelivered"
    record_results(now, [(message.id, sid)], [], {message.id: "sms"})
    row = Message.get_by_id(message.id)
    assert (row.status, row.provider_id, row.error_code) == (
        "undelivered",
        sid,
        "30005",
    )
    # Another message's id in the URL cannot touch a row with a different sid.
    other = _sent_sms("SM" + "8" * 32)
    await twilio_post(
        client, f"{STATUS}?m={other.id}", {**params, "MessageStatus": "failed"}
    )
    assert Message.get_by_id(other.id).status == "sent"
