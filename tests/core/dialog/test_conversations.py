"""Whole conversations in words, against the demo clinic, goals checked in the database.

Each script in conversations.py is what one patient texts, line by line, the
way people text (typos, run-ons, emoji, English and Spanish), written
without looking at the bot's replies; most never type a number. The goal
(a visit booked with the right doctor at the right time, a visit cancelled,
moved or confirmed, a question answered, staff told) is checked in the
database after the last line, not in the replies.

The demo clinic is seeded as `clinicbot serve --demo` seeds it, at a fixed
Monday morning, so the free times each script meets are the same each run.
It is seeded once into a SQLite file that each script gets a copy of; on
PostgreSQL (when configured) every fifteenth script runs too, each on a freshly
seeded schema, which is what makes PostgreSQL slower here.
"""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from core.audit import Actor
from core.clinic import booking
from core.demo import seed_demo
from core.dialog import contexts
from core.models import Appointment, Conversation, Doctor, Patient, WaitlistEntry
from core.policy import load_policy
from core.storage.db import db, open_database
from core.storage.migrate import migrate
from tests.conftest import PG_URL, _reset_postgres
from tests.core.dialog.conftest import Chat
from tests.core.dialog.conversations import CONVERSATIONS, NOW
from tests.factories import make_patient

ON_POSTGRES = CONVERSATIONS[::15]  # seeding the demo on PostgreSQL takes ~8 s

KNOWN_PHONE = "+15550177001"
TELEGRAM_CHAT = "777001"
NEW_PHONE = "+15550177002"
MISSES = ("did not get that", "no le entendí", "did not get the day", "no entendí")
# English that must never reach a patient who writes in Spanish.
ENGLISH = ("Consultation", "General Practice", "Paediatrics", "Dermatology",
           "New patient", "Follow-up", "MENU", "Yes, book", "Book a visit",
           "Reply", "Free times", "What would you like")  # fmt: skip


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory):
    """The demo clinic, seeded once into a SQLite file."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    open_database(f"sqlite:///{path}")
    migrate()
    seed_demo(NOW, rounds=4)
    db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path


@pytest.fixture
def demo(request, demo_file, tmp_path):
    """A copy of the demo clinic on the script's backend; yields its policy."""
    if request.param == "sqlite":
        copy = tmp_path / "clinic.db"
        shutil.copyfile(demo_file, copy)
        open_database(f"sqlite:///{copy}")
    else:
        _reset_postgres()
        seed_demo(NOW, rounds=4)
    yield load_policy()
    db.close()


def _cases():
    for script in CONVERSATIONS:
        yield pytest.param(script, "sqlite", id=f"{script['name']}-sqlite")
    if PG_URL:
        for script in ON_POSTGRES:
            yield pytest.param(script, "postgres", id=f"{script['name']}-postgres")


def _doctor(surname: str) -> Doctor:
    return Doctor.get(Doctor.name.endswith(surname))


def _local(day: str, time: str, policy) -> dt.datetime:
    moment = dt.datetime.combine(
        dt.date.fromisoformat(day), dt.time.fromisoformat(time), policy.tz
    )
    return moment.astimezone(dt.UTC)


def _setup(script: dict, policy) -> tuple[Chat, Patient, Appointment | None]:
    lang = script.get("lang", "en")
    if script.get("patient", "known") == "new":
        return (
            Chat(NEW_PHONE, channel=script.get("channel", "sms"), now=NOW),
            None,
            None,
        )
    telegram = script.get("channel") == "telegram"
    patient = make_patient(
        name=script.get("known_name", "Ana Lopez"),
        phone=KNOWN_PHONE,
        telegram_chat_id=TELEGRAM_CHAT if telegram else None,
        language=lang,
        consent_at=NOW.replace(tzinfo=None) - dt.timedelta(days=30),
    )
    visit = None
    if "visit" in script:
        spec = script["visit"]
        visit = booking.book(
            patient_id=patient.id,
            doctor_id=_doctor(spec["doctor"]).id,
            start=_local(spec["day"], spec["time"], policy),
            policy=policy,
            now=NOW - dt.timedelta(days=3),
            actor=Actor("staff", 1),
        )
    address = TELEGRAM_CHAT if telegram else KNOWN_PHONE
    chat = Chat(address, channel=script.get("channel", "sms"), now=NOW)
    if script.get("reminder") and visit is not None:
        row = contexts.reminder_row(
            chat.channel, chat.address, patient.id, visit.id, NOW, lang
        )
        contexts.open_contexts([row], NOW, policy)
    if "at" in script:
        chat.now = dt.datetime.fromisoformat(script["at"])
    return chat, patient, visit


def _patient(chat: Chat) -> Patient:
    conversation = Conversation.get(
        Conversation.channel == chat.channel, Conversation.address == chat.address
    )
    return Patient.get_by_id(conversation.patient_id)


def _check(goal: dict, chat: Chat, visit, policy, transcript: str) -> None:
    patient = _patient(chat)
    conversation = Conversation.get(
        Conversation.channel == chat.channel, Conversation.address == chat.address
    )
    if "booked" in goal:
        want = goal["booked"]
        live = [
            a
            for a in Appointment.select().where(
                Appointment.patient == patient.id,
                Appointment.status.in_(("scheduled", "confirmed")),
            )
            if visit is None or a.id != visit.id
        ]
        assert len(live) == 1, f"expected one new visit, got {len(live)}\n{transcript}"
        got = live[0]
        start = got.start.replace(tzinfo=dt.UTC).astimezone(policy.tz)
        if "doctor" in want:
            assert Doctor.get_by_id(got.doctor_id).name.endswith(want["doctor"]), (
                transcript
            )
        if "day" in want:
            assert start.date().isoformat() == want["day"], transcript
        if "time" in want:
            assert start.strftime("%H:%M") == want["time"], transcript
        if "after" in want:
            assert start.strftime("%H:%M") >= want["after"], transcript
        if "before" in want:
            assert start.strftime("%H:%M") < want["before"], transcript
        if "visit_type" in want:
            assert got.visit_type.name == want["visit_type"], transcript
    if goal.get("cancelled"):
        assert Appointment.get_by_id(visit.id).status == "cancelled", transcript
    if goal.get("kept"):
        assert Appointment.get_by_id(visit.id).status in ("scheduled", "confirmed"), (
            transcript
        )
    if "moved" in goal:
        moved = Appointment.get_by_id(visit.id)
        start = moved.start.replace(tzinfo=dt.UTC).astimezone(policy.tz)
        assert moved.status in ("scheduled", "confirmed"), transcript
        assert start.date().isoformat() == goal["moved"]["day"], transcript
        if "time" in goal["moved"]:
            assert start.strftime("%H:%M") == goal["moved"]["time"], transcript
    if goal.get("confirmed"):
        assert Appointment.get_by_id(visit.id).status == "confirmed", transcript
    if goal.get("late"):
        assert Appointment.get_by_id(visit.id).late_note, transcript
    if "flagged" in goal:
        assert conversation.flagged, transcript
        assert (
            goal["flagged"].casefold() in (conversation.flag_reason or "").casefold()
        ), transcript
    if goal.get("not_flagged"):
        assert not conversation.flagged, f"{conversation.flag_reason}\n{transcript}"
    if "answered" in goal:
        assert goal["answered"].casefold() in chat.last.casefold(), transcript
    if "name" in goal:
        assert patient.name == goal["name"], transcript
    if goal.get("opted_out"):
        assert patient.sms_opt_out, transcript
    if goal.get("waitlisted"):
        assert (
            WaitlistEntry.select().where(WaitlistEntry.patient == patient.id).exists()
        ), transcript
    if "language" in goal:
        assert patient.language == goal["language"], transcript


@pytest.mark.parametrize(("script", "demo"), list(_cases()), indirect=["demo"])
def test_a_patient_reaches_their_goal_in_words(demo, script):
    chat, _, visit = _setup(script, demo)
    lines = []
    for text in script["says"]:
        reply = chat.send(text)
        chat.last = reply
        lines.append(f"> {text}\n{reply}")
        chat.wait(minutes=1)
    transcript = "\n".join(lines)
    _check(script["goal"], chat, visit, demo, transcript)
    if not script.get("misses_ok"):
        missed = [line for line in lines if any(m in line for m in MISSES)]
        assert not missed, "\n".join(missed) + "\n\n" + transcript
    if script.get("lang") == "es" and script["goal"].get("language", "es") == "es":
        replies = "\n".join(line.split("\n", 1)[-1] for line in lines)
        english = [word for word in ENGLISH if word in replies]
        assert not english, (
            f"English in a Spanish conversation: {english}\n{transcript}"
        )
