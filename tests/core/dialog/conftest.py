"""A small clinic on a real database, and a patient who texts it."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from dataclasses import dataclass, field

import pytest

from core.audit import Actor
from core.clinic import booking
from core.clock import to_db
from core.dialog.service import handle_inbound
from core.dialog.states import allowed
from core.messaging.inbound import Inbound, Reply
from core.messaging.texts import gsm_fold, sms_segments
from core.models import Conversation
from core.policy import load_policy
from tests.factories import (
    make_department,
    make_doctor,
    make_patient,
    make_policy,
    make_visit_type,
)

MAX_SMS_SEGMENTS = 3  # a whole reply with its choices; texts alone must fit 2
# Monday 2026-11-23 08:00 UTC; the clinic runs on UTC unless a test says otherwise.
NOW = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
TUESDAY_10 = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)
_ids = itertools.count(1)


@dataclass
class Chat:
    """One patient texting the bot; remembers replies and checks each transition."""

    address: str
    channel: str = "sms"
    now: dt.datetime = NOW
    deliver: str = "inline"
    replies: list[Reply] = field(default_factory=list)

    def state(self) -> str:
        row = Conversation.get_or_none(
            Conversation.channel == self.channel, Conversation.address == self.address
        )
        return row.state if row else "start"

    def send(self, text: str, **inbound) -> str:
        """Send text; return all reply texts joined, with choices as numbered lines."""
        before = self.state()
        self.replies = handle_inbound(
            Inbound(
                self.channel,
                self.address,
                text,
                provider_id=inbound.pop("provider_id", f"M{next(_ids)}"),
                **inbound,
            ),
            self.now,
            deliver=self.deliver,
        )
        after = self.state()
        assert allowed(before, after), f"undeclared transition {before} -> {after}"
        shown = render(self.replies)
        # As the SMS channel would send it (choices as lines, accents folded).
        assert sms_segments(gsm_fold(shown)) <= MAX_SMS_SEGMENTS, shown
        return shown

    def wait(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


def render(replies: list[Reply]) -> str:
    lines = []
    for reply in replies:
        lines.append(reply.text)
        lines += [f"{value} {label}" for label, value in reply.choices]
    return "\n".join(lines)


@pytest.fixture
def clinic(database):
    """Two departments; Hart (GP) offers two visit kinds, Ortiz and Velasco one."""
    make_policy(clinic_name="Riverside Clinic", idle_timeout_minutes=30)
    gp, paeds = (
        make_department(name="General Practice"),
        make_department(name="Paediatrics"),
    )
    consult = make_visit_type(name="Consultation", minutes=30)
    new = make_visit_type(name="New patient", minutes=60)
    hart = make_doctor(name="Dr. Hart", department=gp, visit_types=[consult, new])
    ortiz = make_doctor(name="Dr. Ortiz", department=gp, visit_types=[consult])
    velasco = make_doctor(name="Dr. Velasco", department=paeds, visit_types=[consult])
    return {
        "hart": hart,
        "ortiz": ortiz,
        "velasco": velasco,
        "consult": consult,
        "new": new,
        "gp": gp,
        "paeds": paeds,
    }


@pytest.fixture
def known(clinic):
    """A patient the clinic knows, who consented to texts."""
    return make_patient(
        name="Ana Lopez", phone="+15550100001", consent_at=NOW.replace(tzinfo=None)
    )


@pytest.fixture
def chat(known):
    return Chat(known.phone)


def book_visit(patient, doctor, start=TUESDAY_10):
    """A visit staff booked for the patient (Tuesday 10:00 unless said)."""
    return booking.book(
        patient_id=patient.id,
        doctor_id=doctor.id,
        start=start,
        policy=load_policy(),
        now=NOW,
        actor=Actor("staff", 1),
    )


def open_context(patient, state, data, channel="sms", address=None):
    """What the scheduler writes when it sends a reminder or an offer."""
    Conversation.insert(
        channel=channel,
        address=address or patient.phone,
        patient=patient.id,
        state=state,
        data=json.dumps(data),
        updated_at=to_db(NOW - dt.timedelta(hours=5)),
    ).on_conflict(
        conflict_target=[Conversation.channel, Conversation.address],
        preserve=[Conversation.state, Conversation.data, Conversation.updated_at],
    ).execute()
