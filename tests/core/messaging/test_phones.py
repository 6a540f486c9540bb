"""Phone normalisation refuses what is not a phone number, clearly."""

from __future__ import annotations

import pytest

from core.errors import InvalidInput
from core.messaging.phones import normalize_phone


@pytest.mark.parametrize(
    "raw,e164",
    [
        ("+1 (555) 010-2000", "+15550102000"),
        ("555-010-2000", "+15550102000"),
        ("+49 30 1234567", "+49301234567"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_phone_numbers_become_e164(raw, e164):
    assert normalize_phone(raw) == e164


@pytest.mark.parametrize(
    "raw", ["", "hello", "12", "+1 555", "☎️☎️", "+999999999999999999"]
)
def test_malformed_phone_numbers_are_refused(raw):
    with pytest.raises(InvalidInput):
        normalize_phone(raw)
