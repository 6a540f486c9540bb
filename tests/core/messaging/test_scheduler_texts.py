"""The scheduler's texts: allowed variables only, two SMS segments at most."""

from __future__ import annotations

import datetime as dt

import jinja2
import pytest
from jinja2 import meta

from core.messaging.texts import MESSAGES_DIR, render, sms_segments, visit_context
from core.policy import Policy

ALLOWED = {
    "clinic",
    "first_name",
    "doctor",
    "department",
    "visit_type",
    "when",
    "day",
    "time",
    "minutes",
    "code",
    "count",
}
NAMES = sorted(p.stem for p in (MESSAGES_DIR / "en").glob("sched_*.txt"))
# Long but real: a Saturday (sáb forces UCS-2 in Spanish) in December.
SATURDAY = dt.datetime(2026, 12, 26, 16, 30, tzinfo=dt.UTC)


def test_every_scheduler_text_exists_in_both_languages():
    assert len(NAMES) >= 5
    for name in NAMES:
        assert (MESSAGES_DIR / "es" / f"{name}.txt").exists(), name


# A typical Spanish name has an accent, so Spanish texts are budgeted as
# UCS-2 (67 characters a segment); English ones get long values in GSM-7.
CASES = {
    "en": ("Riverside Family Clinic", "Maximiliano", "Dr. Alejandra Fernandez"),
    "es": ("ClinicBot Demo Clinic", "María", "Dr. Elena Ruiz Soto"),
}


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("name", NAMES)
def test_text_uses_allowed_variables_and_fits_two_segments(lang, name):
    source = (MESSAGES_DIR / lang / f"{name}.txt").read_text(encoding="utf-8")
    used = meta.find_undeclared_variables(jinja2.Environment().parse(source))
    assert used <= ALLOWED, used - ALLOWED
    clinic, first_name, doctor = CASES[lang]
    ctx = visit_context(
        start=SATURDAY,
        lang=lang,
        policy=Policy(clinic_name=clinic),
        first_name=first_name,
        doctor=doctor,
    )
    text = render(lang, name, **ctx, minutes=15)
    assert sms_segments(text) <= 2, (len(text), text)
    assert "{" not in text and "\n" not in text


def test_visit_time_is_shown_in_clinic_local_time_across_dst():
    madrid = Policy(timezone="Europe/Madrid")
    summer = dt.datetime(2027, 3, 29, 7, 0, tzinfo=dt.UTC)  # 09:00 CEST
    winter = dt.datetime(2027, 3, 26, 8, 0, tzinfo=dt.UTC)  # 09:00 CET
    for moment in (summer, winter):
        ctx = visit_context(
            start=moment, lang="es", policy=madrid, first_name="Ana", doctor="Dr. X"
        )
        assert ctx["time"] == "09:00"
    ctx = visit_context(
        start=summer, lang="es", policy=madrid, first_name="Ana", doctor="Dr. X"
    )
    assert ctx["when"] == "lun 29 mar, 09:00"
