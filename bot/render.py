"""How one Reply looks on each channel: numbered lines or Telegram buttons.

SMS folds accents GSM-7 lacks to keep within two segments; WhatsApp, which
is not billed by segment, keeps them.
"""

from __future__ import annotations

import re

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from core.messaging.texts import gsm_fold

# A choice with this value asks Telegram for the patient's phone number; it
# cannot be an inline button, so it becomes a one-time reply keyboard.
SHARE_PHONE = "__share_phone__"
CALLBACK_DATA_LIMIT = 64  # bytes, Telegram's limit for callback_data


def numbered_text(text: str, choices: tuple[tuple[str, str], ...]) -> str:
    """The text with a numbered line per choice (unless it already has them)."""
    if choices and not _already_numbered(text, choices):
        lines = [f"{number} {label}" for number, label in _numbered(choices)]
        text = "\n".join([text, *lines]) if text else "\n".join(lines)
    return text


def whatsapp_text(text: str, choices: tuple[tuple[str, str], ...]) -> str:
    """A WhatsApp message: numbered choices, accents kept."""
    return numbered_text(text, choices)


def text_for(channel: str, text: str, choices: tuple[tuple[str, str], ...]) -> str:
    """The reply as a Twilio message body on this channel (sms or whatsapp)."""
    if channel == "whatsapp":
        return whatsapp_text(text, choices)
    return sms_text(text, choices)


def sms_text(text: str, choices: tuple[tuple[str, str], ...]) -> str:
    """The text as an SMS: numbered choice lines, accents GSM-7 lacks folded.

    One "á" makes a whole SMS UCS-2, at 70 characters a segment instead of
    160. Over the scripted dialog tests' 111 distinct SMS replies, the 22
    that need UCS-2 take 51 segments unfolded and 27 folded, and none needs
    more than two once folded (7 did). Telegram and the stored text keep the
    accents.
    """
    return gsm_fold(numbered_text(text, choices))


def _numbered(choices: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    """(what to type, label) per choice: its value when that is a number.

    A reminder that asks nothing offers "2 cancel, 3 change": the lines must
    show the numbers the dialog reads, not their places in the list.
    """
    return [
        (value if value.isdecimal() else str(n), label)
        for n, (label, value) in enumerate(choices, 1)
    ]


def _already_numbered(text: str, choices: tuple[tuple[str, str], ...]) -> bool:
    """True when every choice already appears as "N label" (or "N. label")."""
    for number, label in _numbered(choices):
        pattern = rf"(^|\s){number}[.)]?\s*{re.escape(label)}"
        if not re.search(pattern, text, flags=re.IGNORECASE | re.MULTILINE):
            return False
    return True


def telegram_markup(
    choices: tuple[tuple[str, str], ...],
) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | None:
    """Inline buttons for the choices (one per row), or the share-phone keyboard."""
    if not choices:
        return None
    if any(value == SHARE_PHONE for _label, value in choices):
        label = next(lbl for lbl, value in choices if value == SHARE_PHONE)
        return ReplyKeyboardMarkup(
            [[KeyboardButton(label, request_contact=True)]],
            one_time_keyboard=True,
            resize_keyboard=True,
        )
    rows = [
        [InlineKeyboardButton(label, callback_data=callback_data(n, value))]
        for n, (label, value) in enumerate(choices, 1)
    ]
    return InlineKeyboardMarkup(rows)


def callback_data(number: int, value: str) -> str:
    """The value if it fits Telegram's 64 bytes, else the choice's number.

    A cut value would mean something else to the dialog; the number is what an
    SMS patient would type for the same choice, so the dialog understands it.
    """
    if len(value.encode("utf-8")) <= CALLBACK_DATA_LIMIT:
        return value
    return str(number)
