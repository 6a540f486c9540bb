"""The audit log in words: who did what, newest first, filtered by person and visit."""

from __future__ import annotations

import datetime as dt

import pytest

from core import audit
from core.audit import Actor
from core.clinic import booking
from core.policy import load_policy
from core.staff.accounts import add_staff
from core.views.history import audit_page, people, visit_history
from tests.factories import make_doctor, make_patient, make_policy

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)  # Friday
TUESDAY_10 = dt.datetime(2026, 12, 8, 10, 0, tzinfo=dt.UTC)
pytestmark = pytest.mark.postgres


@pytest.fixture
def story(database):
    make_policy(timezone="UTC")
    policy = load_policy()
    hart = make_doctor(name="Dr. Hart")
    liu = make_doctor(name="Dr. Liu")
    ana = make_patient(name="Ana Ruiz")
    desk = add_staff("front@clinic.example", "staff", None, "not-a-real-hash")
    staff = Actor("staff", desk.id)
    visit = booking.book(
        patient_id=ana.id,
        doctor_id=hart.id,
        start=TUESDAY_10,
        policy=policy,
        now=NOW,
        actor=Actor("patient", ana.id),
        via="sms",
    )
    later = NOW + dt.timedelta(hours=1)
    booking.reschedule(
        visit.id,
        TUESDAY_10 + dt.timedelta(days=1, hours=1, minutes=30),
        policy=policy,
        now=later,
        actor=staff,
        new_doctor_id=liu.id,
        tell=False,
        untold_reason="told on the phone",
    )
    booking.cancel(visit.id, staff, "patient moved away", later + dt.timedelta(hours=1))
    return {"visit": visit, "policy": policy, "staff": desk}


def test_a_visits_history_reads_as_sentences_newest_first(story):
    rows = visit_history(story["visit"].id, story["policy"])
    said = [f"{row['who']} {row['what']}" for row in rows]
    assert said == [
        "front@clinic.example (staff) cancelled the visit: “patient moved away”",
        "front@clinic.example (staff) moved the visit from Tue 8 Dec, 10:00 to"
        " Wed 9 Dec, 11:30, to Dr. Liu. The patient was not told"
        " (“told on the phone”)",
        "Ana Ruiz (patient) booked the visit for Tue 8 Dec, 10:00 by SMS",
    ]
    assert "staff:" not in " ".join(said) and "{" not in " ".join(said)


def test_the_log_filters_by_person_without_the_id_syntax(story):
    choices = dict(people())
    staff_value = f"staff:{story['staff'].id}"
    assert choices[staff_value] == "front@clinic.example (staff)"
    by_staff = audit_page(story["policy"], who=staff_value)
    assert [row["what"].split()[0] for row in by_staff] == ["cancelled", "moved"]
    by_patients = audit_page(story["policy"], who="patient")
    assert [row["what"].split()[0] for row in by_patients] == ["booked"]
    assert audit_page(story["policy"], visit=story["visit"].id + 99) == []


def test_paging_goes_by_time_then_id(story):
    policy = story["policy"]
    # A row written later but about an earlier moment sorts by its moment.
    audit.record(Actor("system"), "reminder skipped", NOW - dt.timedelta(days=1))
    first = audit_page(policy)
    assert [row["at"] for row in first] == sorted(
        (row["at"] for row in first), reverse=True
    )
    assert first[-1]["who"] == "ClinicBot"
    older = audit_page(policy, before_id=first[1]["id"])
    assert [row["id"] for row in older] == [row["id"] for row in first[2:]]


def test_inbox_work_reads_as_sentences_with_the_assignees_name(story):
    from core.messaging import conversations
    from core.models import Conversation

    policy = story["policy"]
    desk = Actor("staff", story["staff"].id)
    nurse = add_staff("nurse@clinic.example", "staff", None, "not-a-real-hash")
    conversations.flag_or_start("sms", "+15550000001", "asked for a person", NOW)
    chat = Conversation.get()
    at = NOW + dt.timedelta(hours=5)
    conversations.assign(chat.id, nurse.id, desk, at)
    conversations.assign(chat.id, None, desk, at + dt.timedelta(minutes=1))
    conversations.resolve(chat.id, desk, at + dt.timedelta(minutes=2))
    said = [row["what"] for row in audit_page(policy, who=f"staff:{desk.id}")][:3]
    assert said == [
        "marked the conversation done",
        "left the conversation for anyone to take",
        "assigned the conversation to nurse@clinic.example",
    ]
