"""What channels hand to the dialog, and what it hands back.

Channels (bot/) only translate: they verify the provider, build one Inbound,
call core.dialog.handle_inbound through the gateway, and render each Reply
(SMS: numbered lines; Telegram: inline buttons from the same choices).
"""

from __future__ import annotations

from dataclasses import dataclass, field

CHANNELS = ("sms", "telegram", "console")
# Carrier-level keywords a channel recognised before the dialog sees the text
# (Twilio's STOP/CANCEL/END... family, START/UNSTOP, HELP/INFO).
KEYWORDS = ("opt_out", "opt_in", "help")


@dataclass(frozen=True)
class Inbound:
    channel: str  # sms | telegram | console
    address: str  # E.164 phone, Telegram chat id, or a simulator session id
    text: str
    provider_id: str | None = None  # MessageSid / update_id: redelivery is ignored
    keyword: str | None = None  # one of KEYWORDS, decided by the channel
    phone: str | None = None  # a phone number the patient shared (Telegram contact)
    name: str | None = None  # a display name the channel knows, if any


@dataclass(frozen=True)
class Reply:
    text: str
    choices: tuple[tuple[str, str], ...] = field(default=())  # (label, value)
