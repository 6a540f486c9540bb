"""Real-shaped Telegram Bot API Update payloads, as Telegram posts them."""

from __future__ import annotations

import itertools

from tests.bot.fakes import BOT_ID

DATE = 1_790_000_000
USER = {
    "id": 5001,
    "is_bot": False,
    "first_name": "Ana",
    "last_name": "García",
    "language_code": "es",
}
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "ClinicBot"}
PRIVATE = {"id": 5001, "type": "private", "first_name": "Ana", "last_name": "García"}
GROUP = {"id": -1001234567890, "type": "supergroup", "title": "Clinic patients"}

_message_ids = itertools.count(1)


def message(update_id: int, chat: dict = PRIVATE, user: dict = USER, **content) -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": next(_message_ids),
            "from": user,
            "chat": chat,
            "date": DATE,
            **content,
        },
    }


def text(update_id: int, body: str, chat: dict = PRIVATE) -> dict:
    content = {"text": body}
    if body.startswith("/"):
        command = body.split()[0]
        content["entities"] = [
            {"type": "bot_command", "offset": 0, "length": len(command)}
        ]
    return message(update_id, chat, **content)


def button(update_id: int, data: str, query_id: str = "4382bfdwdsb323b2d9") -> dict:
    return {
        "update_id": update_id,
        "callback_query": {
            "id": query_id,
            "from": USER,
            "chat_instance": "-5812345678901234567",
            "data": data,
            "message": {
                "message_id": next(_message_ids),
                "from": BOT_USER,
                "chat": PRIVATE,
                "date": DATE,
                "text": "What would you like to do?",
            },
        },
    }


def contact(update_id: int, phone: str, user_id: int = USER["id"]) -> dict:
    return message(
        update_id,
        contact={"phone_number": phone, "first_name": "Ana", "user_id": user_id},
    )


def sticker(update_id: int) -> dict:
    return message(
        update_id,
        sticker={
            "file_id": "CAACAgIAAxkBAAEBh2Fl",
            "file_unique_id": "AgADGwADwDZPEw",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        },
    )


def photo(update_id: int) -> dict:
    size = {"file_id": "AgACAgQAAxkBAAIB", "file_unique_id": "AQADx", "width": 90,
            "height": 67, "file_size": 1234}  # fmt: skip
    return message(update_id, photo=[size], caption="my rash")


def edited(update_id: int, body: str) -> dict:
    update = text(update_id, body)
    edited_message = update.pop("message")
    edited_message["edit_date"] = DATE + 60
    return {**update, "edited_message": edited_message}


def blocked(update_id: int, status: str = "kicked") -> dict:
    """The bot's own membership in a private chat: kicked = the user blocked it."""
    member = {"user": BOT_USER, "status": "member"}
    kicked = {"user": BOT_USER, "status": "kicked", "until_date": 0}
    old, new = (member, kicked) if status == "kicked" else (kicked, member)
    return {
        "update_id": update_id,
        "my_chat_member": {
            "chat": PRIVATE,
            "from": USER,
            "date": DATE,
            "old_chat_member": old,
            "new_chat_member": new,
        },
    }
