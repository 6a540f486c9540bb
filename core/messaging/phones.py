"""Phone numbers in E.164, through Google's libphonenumber rules."""

from __future__ import annotations

import functools

import phonenumbers

from core.errors import InvalidInput


# Every inbound message parses its sender; the same few thousand patients
# text again and again, and libphonenumber's parse is the costly part.
@functools.lru_cache(maxsize=4096)
def normalize_phone(raw: str, default_region: str | None = "US") -> str:
    """Return raw as E.164 (+15551234567) or raise InvalidInput."""
    text = (raw or "").strip()
    try:
        number = phonenumbers.parse(
            text, None if text.startswith("+") else default_region
        )
    except phonenumbers.NumberParseException:
        raise InvalidInput(f"{raw!r} is not a phone number.") from None
    if not phonenumbers.is_possible_number(number):
        raise InvalidInput(f"{raw!r} is not a possible phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
