"""Every message template (other areas' too) fits two SMS and says nothing medical."""

from __future__ import annotations

import re

import pytest

from core.messaging.texts import (
    LANGUAGES,
    is_gsm7,
    label,
    label_keys,
    render,
    sms_segments,
    template_files,
)

SENTINEL = "chest pain biopsy"
# The shared vocabulary every template may use (DESIGN/issue contract), filled
# with long but realistic values, plus a medical sentinel that must never show.
CONTEXT = {
    "en": {
        "clinic": "Riverside Family Clinic",
        "first_name": "Alexandra",
        "doctor": "Dr. Priya Natarajan",
        "department": "General Practice",
        "visit_type": "New patient",
        "when": "Wed 25 Nov, 10:30",
        "old_when": "Tue 24 Nov, 16:45",
        "day": "Wed 25 Nov",
        "time": "10:30",
        "minutes": 15,
        "code": "A7",
        "count": 60,
        "problem": "This visit is already cancelled; it cannot be confirmed.",
        # Clinic facts staff write in Settings, and the schedule's hours.
        "answer": "1200 Riverside Avenue, Suite 300, Springfield, IL 62704. Free"
        " parking behind the building, entrance on Oak Street; two accessible"
        " spaces by the main door. Take the lift to the 3rd floor.",
        "hours": "Mon-Fri 08:00-19:00, Sat 09:00-13:00",
        "phone": "+1 555 0100",
        "wish": "in the afternoon after 16:30",
        "next": "Mon 30 Nov",
        "email": "alexandra.natarajan-whitfield@riversidefamily.example",
        # Where an email says to answer: a label after "message us".
        "channel": "in our Telegram chat",
        "reason": SENTINEL,
        "notes": SENTINEL,
        "diagnosis": SENTINEL,
    },
}
CONTEXT["es"] = CONTEXT["en"] | {
    "when": "mié 25 nov, 10:30",
    "old_when": "mar 24 nov, 16:45",
    "day": "mié 25 nov",
    "wish": "por la tarde después de las 16:30",
    "next": "lun 30 nov",
    "channel": "en nuestro chat de Telegram",
}
TEMPLATES = template_files()


def test_templates_exist_in_both_languages():
    names = {
        lang: {p.stem for p in TEMPLATES if p.parent.name == lang} for lang in LANGUAGES
    }
    assert len(names["en"]) >= 40
    assert names["en"] == names["es"], "a text exists in one language only"


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_template_fits_two_segments_and_has_no_medical_detail(path):
    lang = path.parent.name
    body = render(lang, path.stem, **CONTEXT[lang])
    assert body.strip(), "empty text"
    assert sms_segments(body) <= 2, f"{len(body)} chars, {sms_segments(body)} segments"
    assert SENTINEL not in body
    assert "{{" not in body and "{%" not in body


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_text_asks_for_the_bare_word_cancel(path):
    """Carriers treat a bare CANCEL as an opt-out, so no text may ask for it."""
    source = path.read_text(encoding="utf-8")
    assert not re.search(r"\bCANCEL\b", source)
    assert not re.search(r"\b(reply|text|send|type)\s+['\"]?cancel\b", source, re.I)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_labels_are_short_and_complete(lang):
    assert set(label_keys(lang)) == set(label_keys("en"))
    for key in label_keys(lang):
        text = label(lang, key)
        assert 0 < len(text) <= 30 and sms_segments(text) == 1


@pytest.mark.parametrize(
    "text,segments",
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("[" * 80, 1),  # extension characters count twice
        ("[" * 81, 2),
        ("á" * 70, 1),  # not GSM-7: UCS-2
        ("á" * 71, 2),
        ("á" * 134, 2),
        ("á" * 135, 3),
        ("👍" * 35, 1),  # two UTF-16 units each
        ("👍" * 36, 2),
        ("", 1),
    ],
)
def test_segment_counter(text, segments):
    assert sms_segments(text) == segments


def test_gsm7_detection():
    assert is_gsm7("Hola, ¿mañana? ñ é ü €")
    assert not is_gsm7("mié á í ó ú")


def test_missing_language_falls_back_to_english():
    assert render("fr", "menu") == render("en", "menu")


def test_missing_variable_is_an_error():
    from jinja2 import UndefinedError

    with pytest.raises(UndefinedError):
        render("en", "booked")


@pytest.mark.parametrize(
    "text,folded",
    [
        ("¿Qué día? Sí, más", "¿Qué dia? Si, mas"),  # é, ¿ are GSM-7 already
        ("Ñandú", "Ñandu"),
        ("plain", "plain"),
        ("día 👍", "día 👍"),  # still UCS-2: left as it was
    ],
)
def test_gsm_fold(text, folded):
    from core.messaging.texts import gsm_fold

    assert gsm_fold(text) == folded


def test_remembered_renders_keep_values_of_different_kinds_apart(tmp_path, monkeypatch):
    """Renders are cached by value and type; values that only look equal differ."""
    import datetime as dt

    import core.messaging.texts as messages

    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "probe.txt").write_text("{{ value }}")
    monkeypatch.setattr(messages, "MESSAGES_DIR", tmp_path)
    messages._environment.cache_clear()
    messages._template.cache_clear()
    messages._rendered.cache_clear()
    try:
        assert render("en", "probe", value=1) == "1"
        assert render("en", "probe", value=True) == "True"  # 1 == True, not one text
        utc = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
        east = utc.astimezone(dt.timezone(dt.timedelta(hours=-5)))
        assert utc == east  # equal instants: a cache keyed by value would mix them
        assert render("en", "probe", value=utc) != render("en", "probe", value=east)
        assert render("en", "probe", value=[1, 2]) == "[1, 2]"  # unhashable: uncached
    finally:
        messages._environment.cache_clear()
        messages._template.cache_clear()
        messages._rendered.cache_clear()
