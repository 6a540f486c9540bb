"""The outbox dispatcher against real client libraries and fake provider servers."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json

import pytest

from bot.dispatcher import Dispatcher
from bot.pacing import RateLimits
from bot.providers import senders_for
from core.clock import from_db, to_db
from core.messaging.delivery import NO_PROVIDER
from core.messaging.outbox import enqueue
from core.messaging.texts import is_gsm7, sms_segments
from core.models import Appointment, AuditLog, Conversation, Message, Patient
from core.storage.db import write_transaction
from core.storage.gateway import Gateway
from tests.bot.conftest import make_settings
from tests.bot.fakes import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER
from tests.factories import make_doctor, make_patient, make_policy, make_visit_type

SECOND = dt.timedelta(seconds=1)


def queue(patient, body="Hello", now=None, **kwargs) -> Message:
    with write_transaction():
        return enqueue(patient, body, now=now, **kwargs)


def reload(message: Message) -> Message:
    return Message.get_by_id(message.id)


@pytest.fixture
async def dispatcher(settings, gateway, now):
    d = Dispatcher(gateway, senders_for(settings), clock=lambda: now)
    yield d
    await d.close()


async def test_sms_goes_through_twilio_rest_client(dispatcher, fake_twilio, now):
    patient = make_patient()
    message = queue(
        patient,
        "Your visit is tomorrow.",
        now,
        kind="reminder",
        choices=(("Confirm", "confirm"), ("Cancel visit", "cancel")),
    )

    assert await dispatcher.dispatch_due(now) == 1

    [request] = fake_twilio.sent
    assert request["To"] == patient.phone
    assert request["From"] == FROM_NUMBER
    assert request["Body"] == "Your visit is tomorrow.\n1 Confirm\n2 Cancel visit"
    assert request["StatusCallback"] == (
        f"https://clinic.example.org/webhooks/twilio/status?m={message.id}"
    )
    expected = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    assert fake_twilio.auth == [f"Basic {expected}"]
    row = reload(message)
    assert (row.status, row.provider_id, row.attempts) == ("sent", request["sid"], 1)
    assert from_db(row.sent_at) == now
    # Sent rows are not sent again.
    assert await dispatcher.dispatch_due(now + 10 * SECOND) == 0
    assert len(fake_twilio.sent) == 1


async def test_spanish_sms_is_folded_to_gsm7_telegram_keeps_its_accents(
    dispatcher, fake_twilio, fake_telegram, now
):
    """One "á" would make the whole SMS UCS-2: 70 characters a segment, not 160."""
    text = "Su cita está confirmada para el miércoles. ¿Algo más? Sí: mañana."
    on_sms = queue(make_patient(language="es"), text, now, kind="reply")
    queue(make_patient(telegram_chat_id="778", language="es"), text, now, kind="reply")
    assert await dispatcher.dispatch_due(now) == 2
    [request] = fake_twilio.sent
    folded = "Su cita esta confirmada para el miércoles. ¿Algo mas? Si: mañana."
    assert request["Body"] == folded
    assert is_gsm7(request["Body"]) and sms_segments(request["Body"]) == 1
    assert sms_segments(text) == 1 and not is_gsm7(text)  # 65 characters, UCS-2
    [params] = fake_telegram.sent()
    assert params["text"] == text
    assert reload(on_sms).body == text  # the console shows what staff wrote


@pytest.mark.parametrize(
    ("asks", "lines"),
    [
        (True, ["1 Confirm", "2 Cancel this visit", "3 Change the time"]),
        (False, ["2 Cancel this visit", "3 Change the time"]),
    ],
)
async def test_a_reminder_shows_the_numbers_the_dialog_reads(
    dispatcher, fake_twilio, now, asks, lines
):
    """A reminder that asks nothing says "Reply 2 to cancel": its lines say 2, too."""
    from core import audit
    from core.clinic import booking
    from core.jobs.reminders import run_reminders
    from core.policy import load_policy

    make_policy()
    patient = make_patient(consent_at=to_db(now))
    start = now + dt.timedelta(days=1, hours=2)
    visit = booking.book(
        patient_id=patient.id,
        doctor_id=make_doctor().id,
        start=start,
        policy=load_policy(),
        now=now - dt.timedelta(days=3),
        actor=audit.SYSTEM,
    )
    if not asks:
        booking.set_needs_confirmation(visit.id, False, audit.SYSTEM, now)
    due = start - dt.timedelta(hours=24)
    run_reminders(load_policy(), due)
    assert await dispatcher.dispatch_due(due) == 1
    [request] = fake_twilio.sent
    assert request["Body"].splitlines()[1:] == lines


async def test_telegram_gets_inline_buttons(dispatcher, fake_telegram, now):
    patient = make_patient(telegram_chat_id="777")
    long_value = "slot:" + "x" * 80
    message = queue(
        patient,
        "Pick a time",
        now,
        kind="reply",
        choices=(("Mon 9:00", "slot:1"), ("Tue 10:00", long_value)),
    )

    assert await dispatcher.dispatch_due(now) == 1

    [params] = fake_telegram.sent()
    assert str(params["chat_id"]) == "777"
    assert params["text"] == "Pick a time"
    keyboard = params["reply_markup"]["inline_keyboard"]
    assert [[b["text"], b["callback_data"]] for [b] in keyboard] == [
        ["Mon 9:00", "slot:1"],
        # Too long for Telegram's 64 bytes: the number an SMS patient would type.
        ["Tue 10:00", "2"],
    ]
    row = reload(message)
    assert row.status == "sent" and row.provider_id.startswith("out:777:")


@pytest.mark.parametrize(
    ("status", "code", "retry_wait"),
    [(500, None, 15), (503, 20003, 15), (429, 20429, 15)],
)
async def test_twilio_transient_errors_retry_with_backoff(
    dispatcher, fake_twilio, now, status, code, retry_wait
):
    message = queue(make_patient(), "Hi", now)
    fake_twilio.fail_next(status, code, times=2)

    assert await dispatcher.dispatch_due(now) == 0
    row = reload(message)
    assert (row.status, row.attempts) == ("queued", 1)
    assert from_db(row.next_attempt_at) == now + retry_wait * SECOND
    # Not due yet: nothing is sent early.
    assert await dispatcher.dispatch_due(now + (retry_wait - 1) * SECOND) == 0
    assert fake_twilio.script  # the second scripted failure is still unused

    later = now + retry_wait * SECOND
    assert await dispatcher.dispatch_due(later) == 0
    row = reload(message)
    assert row.attempts == 2
    assert from_db(row.next_attempt_at) == later + 2 * retry_wait * SECOND

    assert await dispatcher.dispatch_due(later + 2 * retry_wait * SECOND) == 1
    assert reload(message).status == "sent"
    assert len(fake_twilio.sent) == 1


async def test_telegram_429_waits_retry_after(dispatcher, fake_telegram, now):
    message = queue(make_patient(telegram_chat_id="42"), "Hi", now)
    fake_telegram.fail_next(429, retry_after=7)

    assert await dispatcher.dispatch_due(now) == 0
    row = reload(message)
    assert row.status == "queued" and row.error_code == "429"
    assert from_db(row.next_attempt_at) == now + 7 * SECOND
    assert await dispatcher.dispatch_due(now + 7 * SECOND) == 1
    assert len(fake_telegram.sent()) == 2  # the refused one and the accepted one


async def test_telegram_5xx_retries(dispatcher, fake_telegram, now):
    message = queue(make_patient(telegram_chat_id="43"), "Hi", now)
    fake_telegram.fail_next(502)
    assert await dispatcher.dispatch_due(now) == 0
    assert reload(message).status == "queued"
    assert await dispatcher.dispatch_due(now + 15 * SECOND) == 1


async def test_twilio_opted_out_is_permanent(dispatcher, fake_twilio, now):
    patient = make_patient()
    message = queue(patient, "Hi", now)
    fake_twilio.fail_next(400, 21610)

    assert await dispatcher.dispatch_due(now) == 0
    row = reload(message)
    assert (row.status, row.error_code, row.next_attempt_at) == (
        "failed",
        "21610",
        None,
    )
    assert Patient.get_by_id(patient.id).sms_opt_out
    assert await dispatcher.dispatch_due(now + dt.timedelta(hours=2)) == 0
    # A later message to the opted-out number is not even attempted.
    later = queue(patient, "Another", now, channel="sms", address=patient.phone)
    assert await dispatcher.dispatch_due(now) == 0
    assert reload(later).status == "not_sent"
    assert fake_twilio.sent == []


async def test_twilio_invalid_number_gives_up(dispatcher, fake_twilio, now):
    message = queue(make_patient(), "Hi", now)
    fake_twilio.fail_next(400, 21211)
    assert await dispatcher.dispatch_due(now) == 0
    assert reload(message).status == "failed"
    assert await dispatcher.dispatch_due(now + dt.timedelta(days=1)) == 0


async def test_telegram_blocked_marks_patient_and_flags_visits(
    dispatcher, fake_telegram, now
):
    make_policy()
    patient = make_patient(telegram_chat_id="99")
    doctor = make_doctor()
    visit = Appointment.create(
        doctor=doctor,
        patient=patient,
        visit_type=make_visit_type(),
        start=to_db(now + dt.timedelta(days=2)),
        end=to_db(now + dt.timedelta(days=2, minutes=30)),
    )
    Conversation.create(channel="telegram", address="99", patient=patient)
    message = queue(patient, "Reminder", now, kind="reminder")
    fake_telegram.fail_next(403)

    assert await dispatcher.dispatch_due(now) == 0

    assert reload(message).status == "failed"
    assert Patient.get_by_id(patient.id).telegram_blocked
    conversation = Conversation.get(Conversation.address == "99")
    assert conversation.flagged and "blocked" in conversation.flag_reason
    [audit] = AuditLog.select().where(AuditLog.action == "patient_unreachable")
    assert audit.appointment_id == visit.id


async def test_no_provider_stores_not_sent(database, gateway, now):
    settings = make_settings(
        database, twilio_account_sid="", twilio_auth_token="", telegram_bot_token=""
    )
    sms = queue(make_patient(), "Hi", now)
    chat = queue(make_patient(telegram_chat_id="5"), "Hi", now)
    dispatcher = Dispatcher(gateway, senders_for(settings))
    assert await dispatcher.dispatch_due(now) == 0
    for message in (sms, chat):
        row = reload(message)
        assert (row.status, row.error_text) == ("not_sent", NO_PROVIDER)


async def test_quiet_hours_hold_non_urgent_messages(dispatcher, fake_twilio):
    make_policy(timezone="America/New_York")
    evening = dt.datetime(2026, 11, 24, 3, 30, tzinfo=dt.UTC)  # 22:30 in New York
    patient = make_patient()
    reminder = queue(patient, "Reminder", evening, kind="reminder")
    queue(patient, "Clinic closed today", evening, urgent=True)

    assert await dispatcher.dispatch_due(evening) == 1
    assert [r["Body"] for r in fake_twilio.sent] == ["Clinic closed today"]
    held = reload(reminder)
    assert held.status == "queued"
    # 08:00 New York the next morning.
    assert from_db(held.next_attempt_at) == dt.datetime(
        2026, 11, 24, 13, 0, tzinfo=dt.UTC
    )
    assert await dispatcher.dispatch_due(from_db(held.next_attempt_at)) == 1
    assert reload(reminder).status == "sent"


async def test_sms_rate_limit_one_per_second(settings, gateway, fake_twilio, now):
    dispatcher = Dispatcher(gateway, senders_for(settings))
    messages = [queue(make_patient(), f"m{i}", now) for i in range(3)]

    assert await dispatcher.dispatch_due(now) == 1
    assert await dispatcher.dispatch_due(now + SECOND / 2) == 0
    assert await dispatcher.dispatch_due(now + SECOND) == 1
    assert await dispatcher.dispatch_due(now + 2 * SECOND) == 1
    assert [r["Body"] for r in fake_twilio.sent] == ["m0", "m1", "m2"]
    assert all(reload(m).status == "sent" for m in messages)
    assert all(reload(m).attempts == 1 for m in messages)  # waiting is not an attempt
    await dispatcher.close()


async def test_telegram_rate_limits(settings, gateway, fake_telegram, now):
    dispatcher = Dispatcher(gateway, senders_for(settings))
    for i in range(30):
        queue(make_patient(telegram_chat_id=str(1000 + i)), "hi", now)
    same_chat = make_patient(telegram_chat_id="2000")
    queue(same_chat, "one", now)
    queue(same_chat, "two", now)

    def to_chat():
        return [p["text"] for p in fake_telegram.sent() if str(p["chat_id"]) == "2000"]

    # 25 msg/s overall: a second's worth at once, then the bucket refills.
    assert await dispatcher.dispatch_due(now) == 25
    assert await dispatcher.dispatch_due(now + SECOND / 100) == 0
    # The rest (5 chats and "one"); "two" waits a second after "one" (1/s per chat).
    assert await dispatcher.dispatch_due(now + SECOND) == 6
    assert to_chat() == ["one"]
    assert await dispatcher.dispatch_due(now + 1.5 * SECOND) == 0
    assert await dispatcher.dispatch_due(now + 2 * SECOND) == 1
    assert to_chat() == ["one", "two"]
    await dispatcher.close()


async def test_lifted_limits_send_everything_at_once(
    settings, gateway, fake_twilio, now
):
    dispatcher = Dispatcher(gateway, senders_for(settings), limits=RateLimits(0, 0, 0))
    for i in range(40):
        queue(make_patient(), f"m{i}", now)
    assert await dispatcher.dispatch_due(now) == 40
    assert len({r["Body"] for r in fake_twilio.sent}) == 40
    await dispatcher.close()


async def test_expired_lease_is_claimed_again(dispatcher, fake_twilio, now):
    """A dispatcher that died mid-send leaves a sending row; its lease runs out."""
    message = queue(make_patient(), "Hi", now)
    Message.update(
        status="sending", attempts=1, next_attempt_at=to_db(now + 300 * SECOND)
    ).where(Message.id == message.id).execute()
    assert await dispatcher.dispatch_due(now + 299 * SECOND) == 0
    assert await dispatcher.dispatch_due(now + 300 * SECOND) == 1
    assert reload(message).attempts == 2


async def test_concurrent_dispatchers_send_each_message_once(
    settings, fake_twilio, now
):
    """Two dispatchers (own DB connections) racing over one outbox."""
    for i in range(60):
        queue(make_patient(), f"m{i}", now)
    gateways = [Gateway(), Gateway()]
    lifted = RateLimits(0, 0, 0)
    dispatchers = [
        Dispatcher(g, senders_for(settings), limits=lifted, batch=20) for g in gateways
    ]
    try:
        for _ in range(4):
            await asyncio.gather(*(d.dispatch_due(now) for d in dispatchers))
    finally:
        for d in dispatchers:
            await d.close()
        for g in gateways:
            g.close()
    bodies = [r["Body"] for r in fake_twilio.sent]
    assert sorted(bodies) == sorted(f"m{i}" for i in range(60))
    assert Message.select().where(Message.status == "sent").count() == 60


async def test_choices_json_round_trip_from_enqueue(dispatcher, fake_telegram, now):
    patient = make_patient(telegram_chat_id="8")
    message = queue(patient, "Choose", now, choices=(("Yes ✅", "yes"),))
    assert json.loads(reload(message).choices) == [["Yes ✅", "yes"]]
    await dispatcher.dispatch_due(now)
    [params] = fake_telegram.sent()
    assert params["reply_markup"]["inline_keyboard"][0][0]["text"] == "Yes ✅"


@pytest.mark.parametrize("change", ["cancelled", "moved", "begun"])
async def test_a_waiting_reminder_is_dropped_when_its_visit_changed(
    dispatcher, fake_twilio, now, change
):
    """A reminder held back by retries or quiet hours never goes out stale."""
    from core import audit
    from core.clinic import booking
    from core.models import ReminderClaim
    from core.policy import load_policy

    make_policy(min_notice_minutes=0)
    doctor, patient = make_doctor(), make_patient()
    start = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(10))
    start = start.replace(tzinfo=dt.UTC)
    visit = booking.book(
        patient_id=patient.id, doctor_id=doctor.id, start=start,
        policy=load_policy(), now=now, actor=audit.SYSTEM,
    )  # fmt: skip
    message = queue(patient, "See you tomorrow", now, kind="reminder",
                    appointment_id=visit.id)  # fmt: skip
    ReminderClaim.create(
        appointment=visit.id, kind="lead:1440", start=to_db(start), message=message.id
    )
    fresh = queue(patient, "Kept", now, kind="reminder", appointment_id=visit.id)
    later = now
    if change == "cancelled":
        booking.cancel(visit.id, audit.SYSTEM, "", now)
    elif change == "moved":
        booking.reschedule(
            visit.id, start + dt.timedelta(hours=2), policy=load_policy(), now=now,
            actor=audit.SYSTEM,
        )  # fmt: skip
    else:
        later = start + dt.timedelta(minutes=1)

    sent = await dispatcher.dispatch_due(later)

    row = reload(message)
    assert row.status == "not_sent" and change.split()[0] in row.error_text
    assert [r["Body"] for r in fake_twilio.sent] == (["Kept"] if sent else [])
    assert reload(fresh).status == ("sent" if change == "moved" else "not_sent")


async def test_twilio_rejecting_our_credentials_keeps_the_text(
    dispatcher, fake_twilio, now
):
    """A rotated auth token is fixed by staff; the queued texts must still go."""
    message = queue(make_patient(), "Hi", now)
    fake_twilio.fail_next(401, 20003)
    assert await dispatcher.dispatch_due(now) == 0
    row = reload(message)
    assert (row.status, row.error_code) == ("queued", "20003")
    assert await dispatcher.dispatch_due(now + 15 * SECOND) == 1
    assert reload(message).status == "sent"


async def test_stopping_lets_the_round_under_way_record_its_sends(gateway, now):
    """A deploy mid-send must not leave accepted texts to go again later."""
    started, release = asyncio.Event(), asyncio.Event()

    class SlowSender:
        channel = "sms"

        def rate_keys(self, out):
            return ()

        async def send(self, out):
            started.set()
            await release.wait()
            return "SMslow"

        async def close(self):
            pass

    message = queue(make_patient(), "Hi", now)
    dispatcher = Dispatcher(gateway, {"sms": SlowSender()}, clock=lambda: now)
    task = asyncio.create_task(dispatcher.run_forever())
    await asyncio.wait_for(started.wait(), 5)
    dispatcher.stop()
    release.set()
    await asyncio.wait_for(task, 5)
    row = reload(message)
    assert (row.status, row.provider_id) == ("sent", "SMslow")
