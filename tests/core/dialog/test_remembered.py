"""Short replies are read once and remembered; nothing stale is remembered."""

from __future__ import annotations

import datetime as dt

import pytest

from core.dialog.catalog import Catalog, Named
from core.dialog.intents import SHORT_TEXT, _read_short, read, read_remembered
from core.models import ClinicPolicy

TODAY = dt.date(2026, 12, 4)  # a Friday


def _catalog(*doctors: str) -> Catalog:
    gp = Named(1, "General Practice", {})
    return Catalog(
        [Named(n, name, {}, 1) for n, name in enumerate(doctors, 1)], [gp], []
    )


def test_a_short_reply_is_read_once_per_catalog():
    hart = _catalog("Dr. Hart")
    first = read_remembered("dr hart pls", hart, TODAY)
    assert first == read("dr hart pls", hart, TODAY)
    assert first.doctor_id == 1
    assert read_remembered("dr hart pls", hart, TODAY) is first  # remembered
    renamed = _catalog("Dr. Amelia Okafor")  # staff changed the names
    assert read_remembered("dr hart pls", renamed, TODAY).doctor_id is None


def test_the_day_language_and_context_are_part_of_what_is_remembered():
    clinic = _catalog("Dr. Hart")
    assert read_remembered("1", clinic, TODAY, context="reminder").intent == "confirm"
    assert read_remembered("1", clinic, TODAY, context="menu").intent is None
    assert read_remembered("tomorrow", clinic, TODAY).day == dt.date(2026, 12, 5)
    saturday = TODAY + dt.timedelta(days=1)
    assert read_remembered("tomorrow", clinic, saturday).day == dt.date(2026, 12, 6)
    assert read_remembered("3/12", clinic, TODAY, "en").day == dt.date(2027, 3, 12)
    assert read_remembered("3/12", clinic, TODAY, "es").day == dt.date(2026, 12, 3)


def test_a_sentence_is_read_afresh():
    text = "could dr hart see me thursday at 11 please"
    assert len(text) > SHORT_TEXT
    clinic = _catalog("Dr. Hart")
    once, again = (
        read_remembered(text, clinic, TODAY),
        read_remembered(text, clinic, TODAY),
    )
    assert once == again and once is not again


def _readings() -> int:
    info = _read_short.cache_info()
    return info.hits + info.misses


@pytest.mark.parametrize("stamped", [True, False])
def test_turns_remember_only_under_a_catalog_stamp(clinic, chat, stamped):
    # Without a stamp each turn reads a new catalog object, so a remembered
    # reading could never be found again: nothing is kept.
    if not stamped:
        ClinicPolicy.update(catalog_stamp=0).where(ClinicPolicy.id == 1).execute()
    before = _readings()
    for text in ("hi", "purple?", "1", "yes"):
        chat.send(text)
    assert (_readings() > before) is stamped
