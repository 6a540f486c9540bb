"""Telegram updates into dialog turns: texts, button presses, shared contacts.

Stickers, photos and the like get a short answer; edited messages, group
chats and channel posts are ignored. Nothing here raises to the patient.
"""

from __future__ import annotations

import logging
from collections import OrderedDict

from aiohttp import web
from telegram import CallbackQuery, ChatMemberUpdated, Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import metrics
from bot.conversation import Apology, converse
from bot.keys import CLOCK, DISPATCHER, GATEWAY
from bot.render import SHARE_PHONE
from bot.texts import channel_text, patient_language
from core.errors import InvalidInput
from core.messaging.channels import answer_outside_dialog, queue_reply
from core.messaging.delivery import set_telegram_blocked
from core.messaging.inbound import Inbound
from core.messaging.patients import needs_phone
from core.messaging.phones import normalize_phone
from core.messaging.texts import label

log = logging.getLogger(__name__)

WEB_APP = "clinicbot.web_app"  # bot_data key: our aiohttp app
MAX_TEXT = 1600
RECENT = 2048  # update ids remembered in memory; the database catches the rest


class RecentIds:
    """The last few update ids seen, so a quick redelivery costs no database work."""

    def __init__(self, size: int = RECENT) -> None:
        self._ids: OrderedDict[int, None] = OrderedDict()
        self._size = size

    def seen(self, update_id: int) -> bool:
        """True if update_id was seen before; remembers it otherwise."""
        if update_id in self._ids:
            return True
        self._ids[update_id] = None
        if len(self._ids) > self._size:
            self._ids.popitem(last=False)
        return False


def well_formed(update: Update) -> bool:
    """Whether the parts on_update reads are there (the Bot API always sends them)."""
    message = update.message
    if message is not None:
        if message.chat is None or message.chat.type is None:
            return False
        if not isinstance(message.text, str | None):
            return False
        contact = message.contact
        if contact is not None and not isinstance(contact.phone_number, str):
            return False
    query = update.callback_query
    if query is not None and (
        query.from_user is None or not isinstance(query.data, str | None)
    ):
        return False
    change = update.my_chat_member
    return change is None or (
        change.chat is not None and change.new_chat_member is not None
    )


def command_text(text: str) -> str:
    """'/start' greets (the dialog's menu); '/help@clinic_bot' reads as 'help'."""
    if not text.startswith("/"):
        return text
    words = text[1:].split(maxsplit=1)  # empty for "/" or "/" and spaces
    command = words[0].split("@", 1)[0].lower() if words else ""
    return "menu" if command == "start" else command


async def on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Route one update; every callback query is answered."""
    app: web.Application = context.application.bot_data[WEB_APP]
    recent: RecentIds = context.application.bot_data.setdefault("recent", RecentIds())
    if recent.seen(update.update_id):
        return
    if update.my_chat_member is not None:
        await _membership(app, update.my_chat_member)
    elif update.callback_query is not None:
        await _button(app, update.update_id, update.callback_query)
    elif update.message is not None and update.message.chat.type == ChatType.PRIVATE:
        await _message(app, update.update_id, update.message)
    # Anything else (edits, groups, channel posts, polls) is deliberately ignored.


async def _button(app: web.Application, update_id: int, query: CallbackQuery) -> None:
    try:
        await query.answer()  # stops the button's spinner at once
    except TelegramError as exc:
        log.info("could not answer callback query %s: %s", query.id, exc)
    message = query.message
    if message is None or message.chat.type != ChatType.PRIVATE:
        return
    await _converse(
        app,
        Inbound(
            channel="telegram",
            address=str(message.chat.id),
            text=query.data or "",
            provider_id=str(update_id),
            name=query.from_user.full_name if query.from_user else None,
        ),
    )


def _failed(replies: list) -> bool:
    return bool(replies) and isinstance(replies[0], Apology)


async def _say(app: web.Application, chat_id: str, name: str) -> str:
    """A channel_<name> text in this chat's patient's language."""
    return channel_text(await patient_language(app, "telegram", chat_id), name)


async def _converse(app: web.Application, inbound: Inbound) -> list:
    """The dialog's turn; its apology, if it failed, is queued here."""
    replies = await converse(app, inbound, deliver="outbox")
    if _failed(replies):
        text = replies[0].text
        await app[GATEWAY].run_write(queue_reply, inbound.address, text, app[CLOCK]())
        if DISPATCHER in app:
            app[DISPATCHER].wake()
    return replies


async def _message(app: web.Application, update_id: int, message: Message) -> None:
    chat_id = str(message.chat.id)
    user = message.from_user
    name = user.full_name if user else None
    if message.contact is not None:
        await _contact(app, update_id, message, name)
    elif message.text is not None:
        if len(message.text) > MAX_TEXT:
            too_long = await _say(app, chat_id, "too_long")
            await _answer(app, chat_id, update_id, "[too long]", too_long)
            return
        text = command_text(message.text)
        inbound = Inbound("telegram", chat_id, text, str(update_id), name=name)
        replies = await _converse(app, inbound)
        greeted = message.text.startswith("/start") and not _failed(replies)
        if greeted and replies and await app[GATEWAY].run(needs_phone, chat_id):
            lang = await patient_language(app, "telegram", chat_id)
            await app[GATEWAY].run_write(
                queue_reply,
                chat_id,
                channel_text(lang, "share_phone"),
                app[CLOCK](),
                ((label(lang, "share_phone"), SHARE_PHONE),),
            )
    else:
        unsupported = await _say(app, chat_id, "unsupported")
        await _answer(app, chat_id, update_id, f"[{_kind(message)}]", unsupported)


async def _contact(
    app: web.Application, update_id: int, message: Message, name: str | None
) -> None:
    """Link the chat to a phone number, but only the sender's own."""
    chat_id = str(message.chat.id)
    contact = message.contact
    if message.from_user is None or contact.user_id != message.from_user.id:
        others = await _say(app, chat_id, "others_contact")
        await _answer(app, chat_id, update_id, "[someone else's contact]", others)
        return
    raw = contact.phone_number.strip()
    try:
        phone = normalize_phone(raw if raw.startswith("+") else f"+{raw}")
    except InvalidInput:
        unreadable = await _say(app, chat_id, "bad_number")
        await _answer(app, chat_id, update_id, "[unreadable contact]", unreadable)
        return
    inbound = Inbound("telegram", chat_id, "", str(update_id), phone=phone, name=name)
    await _converse(app, inbound)


async def _membership(app: web.Application, change: ChatMemberUpdated) -> None:
    """A private chat's user blocked or unblocked the bot."""
    if change.chat.type != ChatType.PRIVATE:
        return
    status = change.new_chat_member.status
    if status in (ChatMemberStatus.BANNED, ChatMemberStatus.MEMBER):
        blocked = status == ChatMemberStatus.BANNED
        await app[GATEWAY].run_write(
            set_telegram_blocked, str(change.chat.id), blocked, app[CLOCK]()
        )


async def _answer(
    app: web.Application, chat_id: str, update_id: int, note: str, text: str
) -> None:
    metrics.INBOUND.labels("telegram").inc()
    await app[GATEWAY].run_write(
        answer_outside_dialog,
        "telegram",
        chat_id,
        str(update_id),
        note,
        text,
        app[CLOCK](),
    )
    if DISPATCHER in app:
        app[DISPATCHER].wake()


def _kind(message: Message) -> str:
    """What a non-text message carries, for the stored inbound row."""
    for kind in ("sticker", "photo", "voice", "video", "document", "location", "poll"):
        if getattr(message, kind, None):
            return kind
    return "unsupported"
