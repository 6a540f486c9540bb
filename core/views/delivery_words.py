"""Why a message did not reach the patient, in words a receptionist can act on.

Providers answer with codes (Twilio's 30003, Telegram's "Forbidden: bot was
blocked by the user"); the outbox keeps them as they came. Staff read this.
"""

from __future__ import annotations

# Twilio's error codes for messages: https://www.twilio.com/docs/api/errors
TWILIO = {
    "21211": "the phone number is not valid",
    "21408": "texts to that country are not enabled",
    "21610": "the patient replied STOP to our texts",
    "21614": "the number cannot receive texts (a landline?)",
    "30003": "the phone is off or out of reach",
    "30004": "the patient's carrier blocked the text",
    "30005": "the number does not exist",
    "30006": "the number cannot receive texts (a landline?)",
    "30007": "the carrier filtered the text as spam",
    "30008": "the carrier could not deliver it",
    "63016": "WhatsApp allows only an approved template outside the 24-hour window",
}
NOT_SENT = "not sent: "
STATUS = {
    "failed": "could not be sent",
    "undelivered": "was not delivered",
    "not_sent": "was not sent",
}


def why_not_delivered(status: str, code: str | None, text: str | None) -> str:
    """One short phrase: 'the number does not exist', 'the patient blocked...'."""
    if code and code in TWILIO:
        return TWILIO[code]
    text = (text or "").strip()
    if text.startswith(NOT_SENT):
        text = text[len(NOT_SENT) :]
    if "blocked by the user" in text.casefold():
        return "the patient blocked the Telegram bot"
    if text:
        return text[0].lower() + text[1:]
    return STATUS.get(status, status.replace("_", " "))
