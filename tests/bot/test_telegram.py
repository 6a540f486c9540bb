"""Telegram: webhook secret, real-shaped updates through the real dialog and Bot."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt

import pytest
from peewee import OperationalError

from bot.render import SHARE_PHONE
from bot.texts import channel_text
from console.keys import CLOCK, DISPATCHER, TELEGRAM
from core.messaging.texts import label
from core.models import Conversation, Message, Patient
from tests.bot import telegram_payloads as tg
from tests.bot.conftest import PUBLIC_URL, channel_app
from tests.factories import make_patient, make_policy

HOOK = "/webhooks/telegram"
SECRET = {"X-Telegram-Bot-Api-Secret-Token": "webhook-secret-123"}
CHAT = str(tg.PRIVATE["id"])


class Clock:
    """A test clock the dispatcher reads; advancing it releases paced messages."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def clock(now):
    return Clock(now)


@pytest.fixture
async def tg_client(aiohttp_client, settings, clock, fake_telegram, dialog):
    make_policy()
    fake_telegram.changed = asyncio.Event()
    return await aiohttp_client(channel_app(settings, clock, dialog))


async def wait_for(fake, count: int, method: str = "sendMessage", app=None) -> list:
    """Wait (bounded) until the fake received count calls of method.

    With app, each round moves the test clock a second on and wakes the
    dispatcher, so Telegram's 1 msg/s per chat pacing releases the next reply.
    """
    async with asyncio.timeout(5):
        while True:
            fake.changed.clear()
            calls = fake.sent(method)
            if len(calls) >= count:
                return calls
            if app is None:
                await fake.changed.wait()
                continue
            app[CLOCK].advance(1)
            app[DISPATCHER].wake()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(0.05):
                    await fake.changed.wait()


async def settled(predicate) -> None:
    """Wait (bounded) until the dispatcher has written what predicate checks."""
    async with asyncio.timeout(5):
        while not predicate():
            await asyncio.sleep(0.01)


def rows() -> int:
    return Message.select().count()


async def post(client, update: dict, headers: dict = SECRET):
    return await client.post(HOOK, json=update, headers=headers)


async def test_startup_registers_the_webhook_with_its_secret(tg_client, fake_telegram):
    [params] = fake_telegram.sent("setWebhook")
    assert params["url"] == PUBLIC_URL + HOOK
    assert params["secret_token"] == "webhook-secret-123"
    assert set(params["allowed_updates"]) == {
        "message",
        "callback_query",
        "my_chat_member",
    }
    assert fake_telegram.sent("getMe")


@pytest.mark.parametrize("headers", [{}, {"X-Telegram-Bot-Api-Secret-Token": "guess"}])
async def test_wrong_or_missing_secret_is_refused(tg_client, headers):
    response = await post(tg_client, tg.text(1, "hello"), headers)
    assert response.status == 403
    assert rows() == 0


MALFORMED = [
    b"{not json",
    b"[1, 2]",
    b'{"message": {}}',
    b'{"update_id": "5", "message": {}}',
    b'{"update_id": true}',
    # The audit's two: a string for a message, and a message with no chat.
    b'{"update_id": 5, "message": "x"}',
    b'{"update_id": 6, "message": {"message_id": 1, "date": 1}}',
    b'{"update_id": 7, "message": {"message_id": 1, "date": "x",'
    b' "chat": {"id": 1, "type": "private"}}}',
    b'{"update_id": 8, "message": {"message_id": 1, "date": 1,'
    b' "chat": {"id": 1, "type": "private"}, "text": 5}}',
    b'{"update_id": 9, "callback_query": {"id": "1", "chat_instance": "x"}}',
    b'{"update_id": 10, "callback_query": {"id": "1", "chat_instance": "x",'
    b' "from": {"id": 1, "first_name": "A", "is_bot": false}, "data": [1]}}',
    b'{"update_id": 11, "my_chat_member": {"chat": {"id": 1}}}',
]


@pytest.mark.parametrize("body", MALFORMED)
async def test_malformed_update_is_400_without_a_traceback(tg_client, body, caplog):
    response = await tg_client.post(
        HOOK, data=body, headers={**SECRET, "Content-Type": "application/json"}
    )
    assert response.status == 400
    assert "Malformed update" in await response.text()
    assert rows() == 0
    assert not [r for r in caplog.records if r.exc_info or r.levelname == "ERROR"]


async def test_text_message_runs_the_dialog_and_reply_is_sent(tg_client, fake_telegram):
    response = await post(tg_client, tg.text(10, "hello"))
    assert response.status == 200
    inbound = Message.get(Message.direction == "in")
    assert (inbound.channel, inbound.address, inbound.provider_id) == (
        "telegram",
        CHAT,
        "10",
    )
    [sent] = await wait_for(fake_telegram, 1)
    reply = Message.get(Message.direction == "out")
    assert str(sent["chat_id"]) == CHAT and sent["text"] == reply.body
    await settled(lambda: Message.get_by_id(reply.id).status == "sent")


async def test_no_database_still_sends_an_apology(tg_client, fake_telegram, dialog):
    def broken(inbound, now, *, deliver):
        raise OperationalError("database is locked")

    dialog.run = broken
    response = await post(tg_client, tg.text(12, "hello"))
    assert response.status == 200
    [sent] = await wait_for(fake_telegram, 1)
    assert sent["text"] == channel_text("en", "sorry")


async def test_duplicate_update_id_is_ignored(tg_client):
    await post(tg_client, tg.text(11, "hello"))
    count = rows()
    again = await post(tg_client, tg.text(11, "hello"))
    assert again.status == 200
    assert rows() == count


async def test_button_press_is_answered_and_drives_the_dialog(
    tg_client, fake_telegram, clock
):
    make_patient(telegram_chat_id=CHAT, name="Ana García", consent_at=clock.now)
    await post(tg_client, tg.text(20, "menu"))
    [menu] = await wait_for(fake_telegram, 1)
    buttons = [row[0] for row in menu["reply_markup"]["inline_keyboard"]]
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)

    response = await post(tg_client, tg.button(21, buttons[0]["callback_data"]))
    assert response.status == 200
    [answer] = fake_telegram.sent("answerCallbackQuery")
    assert answer["callback_query_id"] == "4382bfdwdsb323b2d9"
    pressed = Message.get(Message.provider_id == "21")
    assert pressed.body == buttons[0]["callback_data"]
    await wait_for(fake_telegram, 2, app=tg_client.app)


async def test_start_greets_and_offers_to_share_the_phone(
    tg_client, fake_telegram, clock
):
    await post(tg_client, tg.text(30, "/start"))
    sent = await wait_for(fake_telegram, 2, app=tg_client.app)
    share = sent[-1]
    assert share["reply_markup"]["keyboard"] == [
        [{"text": label("en", "share_phone"), "request_contact": True}]
    ]
    assert SHARE_PHONE not in str(sent[0])


async def test_shared_contact_links_the_chat_to_the_sms_patient(tg_client):
    sms_patient = make_patient(phone="+15551230001", name="Ana García")
    await post(tg_client, tg.text(40, "hi"))
    await post(tg_client, tg.contact(41, "15551230001"))
    linked = Patient.get(Patient.telegram_chat_id == CHAT)
    assert linked.id == sms_patient.id and linked.phone == "+15551230001"


async def test_someone_elses_contact_is_not_linked(tg_client, fake_telegram):
    make_patient(phone="+15551230002")
    await post(tg_client, tg.contact(42, "+15551230002", user_id=999))
    assert Patient.get(Patient.phone == "+15551230002").telegram_chat_id is None
    [sent] = await wait_for(fake_telegram, 1)
    assert sent["text"] == channel_text("en", "others_contact")


@pytest.mark.parametrize(
    "update", [tg.sticker(50), tg.photo(51)], ids=["sticker", "photo"]
)
async def test_stickers_and_photos_get_a_short_answer(tg_client, fake_telegram, update):
    response = await post(tg_client, update)
    assert response.status == 200
    [sent] = await wait_for(fake_telegram, 1)
    assert sent["text"] == channel_text("en", "unsupported")
    again = await post(tg_client, update)  # redelivered: nothing more
    assert again.status == 200
    assert Message.select().where(Message.direction == "out").count() == 1


@pytest.mark.parametrize(
    "update",
    [tg.edited(60, "actually, Tuesday"), tg.text(61, "hello all", chat=tg.GROUP)],
    ids=["edited", "group"],
)
async def test_edits_and_group_chats_are_ignored(tg_client, update):
    response = await post(tg_client, update)
    assert response.status == 200
    assert rows() == 0


async def test_blocking_the_bot_marks_the_patient(tg_client):
    patient = make_patient(telegram_chat_id=CHAT)
    Conversation.create(channel="telegram", address=CHAT, patient=patient)
    assert (await post(tg_client, tg.blocked(70))).status == 200
    assert Patient.get_by_id(patient.id).telegram_blocked
    assert Conversation.get(Conversation.address == CHAT).flagged
    assert (await post(tg_client, tg.blocked(71, status="member"))).status == 200
    assert not Patient.get_by_id(patient.id).telegram_blocked


async def test_without_token_telegram_stays_off(aiohttp_client, settings, now):
    make_policy()
    settings = dataclasses.replace(settings, telegram_bot_token="")
    client = await aiohttp_client(channel_app(settings, lambda: now))
    assert TELEGRAM not in client.app
    assert DISPATCHER in client.app
    response = await post(client, tg.text(80, "hello"))
    assert response.status == 404


async def test_long_polling_without_public_url(
    aiohttp_client, settings, clock, fake_telegram
):
    make_policy()
    fake_telegram.changed = asyncio.Event()
    fake_telegram.updates.append(tg.text(90, "hello"))
    settings = dataclasses.replace(settings, public_url="")
    client = await aiohttp_client(channel_app(settings, clock))
    assert client.app[TELEGRAM].updater.running
    [sent] = await wait_for(fake_telegram, 1)
    assert Message.get(Message.provider_id == "90").direction == "in"
    assert str(sent["chat_id"]) == CHAT
    assert not fake_telegram.sent("setWebhook")


@pytest.mark.parametrize(
    "text,command",
    [("/", ""), ("/\u00a0", ""), ("/\u2003 x", "x"), ("/start", "menu"),
     ("/help@clinic_bot now", "help"), ("hello", "hello")],
)  # fmt: skip
def test_command_text_never_raises(text, command):
    from bot.telegram_updates import command_text

    assert command_text(text) == command
