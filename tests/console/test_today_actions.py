"""The Today board: act on a visit where it is listed; trouble said in words."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from core.audit import Actor
from core.clinic import booking
from core.errors import InvalidTransition
from core.messaging.delivery import NO_PROVIDER
from core.models import Appointment, Message
from core.policy import load_policy

pytestmark = pytest.mark.postgres


def _visit(clinic, now, start):
    return booking.book(
        patient_id=clinic["patient"].id,
        doctor_id=clinic["doctor"].id,
        start=start,
        policy=load_policy(),
        now=now - dt.timedelta(days=1),
        actor=Actor("patient", clinic["patient"].id),
    )


def _row(board: str, visit_id: int) -> str:
    (row,) = re.findall(rf'<tr data-visit="{visit_id}">.*?</tr>', board, re.S)
    return row


def _buttons(row: str) -> list[str]:
    return re.findall(r'<button type="submit" class="small"[^>]*>([^<]+)<', row)


async def test_only_the_actions_legal_now_are_offered(client, login_as, clinic, clock):
    await login_as("staff")
    now = clock.now  # Monday 08:00 UTC
    soon = _visit(clinic, now, now.replace(hour=9))
    later = _visit(clinic, now, now.replace(hour=15))
    board = await (await client.get("/today/board")).text()
    assert _buttons(_row(board, soon.id)) == ["Confirm", "Check in"]
    assert _buttons(_row(board, later.id)) == ["Confirm"]  # hours away: not yet
    clock.advance(hours=1, minutes=5)  # 09:05: the first visit has begun
    await login_as("staff")  # the hour idle ended the session
    board = await (await client.get("/today/board")).text()
    assert _buttons(_row(board, soon.id)) == [
        "Confirm",
        "Check in",
        "Completed",
        "No-show",
    ]


async def test_check_in_from_today_stays_on_today(client, login_as, clinic, clock):
    token = await login_as("staff")
    visit = _visit(clinic, clock.now, clock.now.replace(hour=9))
    done = await client.post(
        f"/appointments/{visit.id}/check-in",
        data={"csrf": token, "back": "today"},
        allow_redirects=False,
    )
    assert done.status == 303 and done.headers["Location"] == "/?notice=checked_in"
    assert Appointment.get_by_id(visit.id).arrived_at is not None
    row = _row(await (await client.get("/today/board")).text(), visit.id)
    assert "Arrived 08:00" in row and "Check in" not in _buttons(row)
    # Moving the visit forgets the check-in: it was for the old time.
    booking.reschedule(
        visit.id,
        clock.now.replace(hour=11),
        policy=load_policy(),
        now=clock.now,
        actor=Actor("staff", 1),
    )
    assert Appointment.get_by_id(visit.id).arrived_at is None


def test_check_in_is_only_on_the_day_of_the_visit(clinic, now):
    visit = _visit(clinic, now, now + dt.timedelta(days=1, hours=2))
    with pytest.raises(InvalidTransition, match="only on the day of the visit"):
        booking.check_in(visit.id, Actor("staff", 1), now)
    assert Appointment.get_by_id(visit.id).arrived_at is None
    booking.cancel(visit.id, Actor("staff", 1), "ill", now)
    with pytest.raises(InvalidTransition, match="already cancelled"):
        booking.check_in(visit.id, Actor("staff", 1), now + dt.timedelta(days=1))


async def test_trouble_is_said_by_patient_name_and_unsent_texts_once(
    client, login_as, clinic, clock
):
    await login_as("staff")
    patient = clinic["patient"]
    at = clock.now.replace(tzinfo=None) - dt.timedelta(hours=1)
    common = {"direction": "out", "channel": "sms", "address": patient.phone}
    Message.create(
        **common, patient=patient, status="undelivered", error_code="30005",
        body="x", created_at=at,
    )  # fmt: skip
    for _ in range(3):
        Message.create(
            **common, patient=patient, status="not_sent", error_text=NO_PROVIDER,
            body="x", created_at=at,
        )  # fmt: skip
    board = await (await client.get("/today/board")).text()
    assert "Ana Lopez</a>: SMS the number does not exist" in board
    assert board.count("Texts are stored, not sent") == 1
    assert "(3 in the last two days)" in board
    assert patient.phone not in board
    assert "no provider configured" not in board


async def test_visits_caught_by_new_time_off_are_listed_for_follow_up(
    client, login_as, clinic, clock
):
    from core.staff import hours

    await login_as("staff")
    visit = _visit(clinic, clock.now, clock.now + dt.timedelta(days=2, hours=2))
    board = await (await client.get("/today/board")).text()
    assert 'id="follow-up"' not in board
    hours.add_time_off(
        clinic["doctor"].id,
        clock.now + dt.timedelta(days=2),
        clock.now + dt.timedelta(days=3),
        "Conference",
        load_policy(),
    )
    board = await (await client.get("/today/board")).text()
    (listed,) = re.findall(
        r'<section class="card wide alert" id="follow-up">.*?</section>', board, re.S
    )
    assert f"/appointments/{visit.id}" in listed and "Time off" in listed
