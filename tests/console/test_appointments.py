"""Booking on behalf, moving and cancelling from the console: core rules apply."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3

import pytest

from core.models import Appointment, AuditLog, Message, Patient


def _slot(now, days=1, hour=10):
    return (now + dt.timedelta(days=days)).replace(hour=hour, minute=0)


async def test_calendar_day_offers_free_slots_and_shows_visits(
    client, login_as, clinic, now
):
    await login_as("staff")
    day = _slot(now).date().isoformat()
    doctor = clinic["doctor"]
    page = await (await client.get(f"/calendar?date={day}&doctor={doctor.id}")).text()
    assert page.count('class="slot"') == 16  # 09:00-17:00 in 30-minute slots
    await client.post(
        "/appointments",
        data={
            "csrf": await login_as("staff"),
            "doctor": doctor.id,
            "patient": clinic["patient"].id,
            "start": _slot(now).isoformat(),
        },
    )
    page = await (await client.get(f"/calendar?date={day}&doctor={doctor.id}")).text()
    assert page.count('class="slot"') == 15 and "Ana Lopez" in page
    week = await (await client.get(f"/calendar?view=week&date={day}")).text()
    assert "Ana Lopez" in week and "Dr. Other" in week


async def test_book_on_behalf_then_the_same_slot_is_taken(
    client, login_as, clinic, now
):
    token = await login_as("staff")
    form = {
        "csrf": token,
        "doctor": clinic["doctor"].id,
        "patient": clinic["patient"].id,
        "start": _slot(now).isoformat(),
    }
    response = await client.post("/appointments", data=form, allow_redirects=False)
    assert response.status == 303
    visit = Appointment.get()
    assert response.headers["Location"].startswith(f"/appointments/{visit.id}")
    assert visit.created_via == "console"
    audit = AuditLog.get(AuditLog.appointment == visit.id)
    assert audit.actor == f"staff:{clinic['users']['staff'].id}"
    again = await client.post("/appointments", data=form)
    assert again.status == 409
    assert "just taken" in await again.text()
    assert Appointment.select().count() == 1


async def test_book_for_a_new_patient_and_refuse_bad_phone(
    client, login_as, clinic, now
):
    token = await login_as("staff")
    form = {
        "csrf": token,
        "doctor": clinic["doctor"].id,
        "start": _slot(now).isoformat(),
    }
    bad = await client.post(
        "/appointments", data={**form, "name": "New", "phone": "12"}
    )
    assert bad.status == 400 and "phone" in (await bad.text()).lower()
    assert Patient.select().where(Patient.name == "New").count() == 0
    good = await client.post(
        "/appointments",
        data={**form, "name": "New Person", "phone": "+1 555 010 9999"},
        allow_redirects=False,
    )
    assert good.status == 303
    assert Appointment.get().patient.phone == "+15550109999"


async def test_booking_outside_hours_or_with_garbage_is_refused(
    client, login_as, clinic, now
):
    token = await login_as("staff")
    base = {
        "csrf": token,
        "doctor": clinic["doctor"].id,
        "patient": clinic["patient"].id,
    }
    cases = [
        ({"start": _slot(now, hour=20).isoformat()}, 409),  # after hours
        ({"start": _slot(now, days=-2).isoformat()}, 409),  # in the past
        ({"start": "tomorrow at ten"}, 400),
        ({"start": "2026-11-24T10:00:00"}, 400),  # no zone
        ({"start": _slot(now).isoformat(), "doctor": "x"}, 400),
        ({"start": _slot(now).isoformat(), "doctor": "999"}, 404),
    ]
    for extra, status in cases:
        response = await client.post("/appointments", data={**base, **extra})
        assert response.status == status, (extra, await response.text())
    assert Appointment.select().count() == 0


async def _booked(client, token, clinic, now) -> int:
    await client.post(
        "/appointments",
        data={
            "csrf": token,
            "doctor": clinic["doctor"].id,
            "patient": clinic["patient"].id,
            "start": _slot(now).isoformat(),
        },
    )
    return Appointment.get().id


async def test_cancel_with_reason_then_cannot_cancel_twice(
    client, login_as, clinic, now
):
    token = await login_as("staff")
    visit_id = await _booked(client, token, clinic, now)
    empty = await client.post(f"/appointments/{visit_id}/cancel", data={"csrf": token})
    assert empty.status == 400 and Appointment.get_by_id(visit_id).status == "scheduled"
    done = await client.post(
        f"/appointments/{visit_id}/cancel", data={"csrf": token, "reason": "Doctor ill"}
    )
    assert done.status == 200 and "Cancelled" in await done.text()
    visit = Appointment.get_by_id(visit_id)
    assert (visit.status, visit.cancelled_by, visit.cancel_reason) == (
        "cancelled",
        "staff",
        "Doctor ill",
    )
    again = await client.post(
        f"/appointments/{visit_id}/cancel", data={"csrf": token, "reason": "again"}
    )
    assert again.status == 409 and "already cancelled" in await again.text()
    page = await (await client.get(f"/appointments/{visit_id}")).text()
    assert "book" in page and "cancel" in page  # status history from the audit log


async def test_reschedule_offers_free_times_and_moves(client, login_as, clinic, now):
    token = await login_as("staff")
    visit_id = await _booked(client, token, clinic, now)
    # Moving happens on the calendar's grid; old ?move=1 links land there.
    page = await (await client.get(f"/appointments/{visit_id}?move=1")).text()
    # One form: a button per free time, and once the "don't tell" choice.
    assert "Moving this visit" in page and page.count('name="start"') >= 10
    assert page.count('name="dont_tell"') == 1
    target = _slot(now, days=2, hour=11)
    response = await client.post(
        f"/appointments/{visit_id}/reschedule",
        data={"csrf": token, "start": target.isoformat()},
    )
    assert response.status == 200
    visit = Appointment.get_by_id(visit_id)
    assert visit.start == target.replace(tzinfo=None)


async def test_no_confirmation_needed_and_confirm(client, login_as, clinic, now):
    token = await login_as("staff")
    visit_id = await _booked(client, token, clinic, now)
    await client.post(f"/appointments/{visit_id}/no-confirmation", data={"csrf": token})
    assert Appointment.get_by_id(visit_id).needs_confirmation is False
    await client.post(f"/appointments/{visit_id}/confirm", data={"csrf": token})
    assert Appointment.get_by_id(visit_id).status == "confirmed"
    unknown = await client.post(
        f"/appointments/{visit_id}/explode", data={"csrf": token}
    )
    assert unknown.status == 404


async def test_doctor_sees_only_own_calendar(client, login_as, clinic, now):
    staff_token = await login_as("staff")
    await _booked(client, staff_token, clinic, now)
    await login_as("doctor")
    day = _slot(now).date().isoformat()
    other = clinic["other"].id
    page = await (await client.get(f"/calendar?date={day}&doctor={other}")).text()
    assert "Dr. Own" in page and "Dr. Other" not in page
    assert 'class="slot"' not in page  # doctors do not book


async def test_calendar_by_department_shows_only_its_doctors(client, login_as, clinic):
    await login_as("staff")
    department = clinic["other"].department_id
    page = await (
        await client.get(f"/calendar?view=week&department={department}")
    ).text()
    assert "Dr. Other" in page and "<th>Dr. Own</th>" not in page
    assert (await client.get("/calendar?view=month")).status == 400
    assert (await client.get("/calendar?date=someday")).status == 400


async def test_a_refused_booking_for_a_new_patient_leaves_no_patient(
    client, login_as, clinic, now
):
    token = await login_as("staff")
    taken = {
        "csrf": token,
        "doctor": clinic["doctor"].id,
        "patient": clinic["patient"].id,
        "start": _slot(now).isoformat(),
    }
    await client.post("/appointments", data=taken)
    form = {**taken, "name": "Late Comer", "phone": "+1 555 010 8888"}
    del form["patient"]
    refused = await client.post("/appointments", data=form)
    assert refused.status == 409
    assert not Patient.select().where(Patient.phone == "+15550108888").exists()
    retry = {**form, "start": _slot(now, hour=11).isoformat()}
    assert (await client.post("/appointments", data=retry)).status == 200
    assert Patient.select().where(Patient.phone == "+15550108888").exists()


async def test_a_staff_action_under_a_foreign_write_lock_waits_without_freezing(
    client, login_as, clinic, now, database
):
    if not database.startswith("sqlite"):
        pytest.skip("SQLite's single write lock")
    token = await login_as("staff")
    visit_id = await _booked(client, token, clinic, now)
    foreign = sqlite3.connect(database.removeprefix("sqlite:///"), isolation_level=None)
    foreign.execute("BEGIN IMMEDIATE")  # a backup, a shell, a stuck script
    try:
        confirm = asyncio.ensure_future(
            client.post(f"/appointments/{visit_id}/confirm", data={"csrf": token})
        )
        await asyncio.sleep(0.3)
        page = await asyncio.wait_for(client.get("/calendar"), 5)  # still served
        assert page.status == 200 and not confirm.done()
    finally:
        foreign.execute("ROLLBACK")
        foreign.close()
    assert (await asyncio.wait_for(confirm, 20)).status == 200
    assert Appointment.get_by_id(visit_id).status == "confirmed"


async def test_staff_changes_reach_the_patient_and_show_on_the_visit(
    client, login_as, clinic, now
):
    token = await login_as("staff")
    visit_id = await _booked(client, token, clinic, now)
    target = _slot(now, days=2, hour=11)
    await client.post(
        f"/appointments/{visit_id}/reschedule",
        data={"csrf": token, "start": target.isoformat()},
    )
    await client.post(
        f"/appointments/{visit_id}/cancel", data={"csrf": token, "reason": "ill"}
    )
    texts = [
        m.body
        for m in Message.select()
        .where(Message.appointment == visit_id)
        .order_by(Message.id)
    ]
    assert len(texts) == 3
    assert "we booked you" in texts[0] and "has moved to" in texts[1]
    assert "we had to cancel" in texts[2]
    page = await (await client.get(f"/appointments/{visit_id}")).text()
    assert "we had to cancel" in page and "Queued" in page


async def test_not_telling_the_patient_needs_a_reason(client, login_as, clinic, now):
    token = await login_as("staff")
    visit_id = await _booked(client, token, clinic, now)
    before = Message.select().count()
    refused = await client.post(
        f"/appointments/{visit_id}/cancel",
        data={"csrf": token, "reason": "ill", "dont_tell": "1"},
    )
    assert refused.status == 400
    assert "Say why the patient is not being told" in await refused.text()
    assert Appointment.get_by_id(visit_id).status == "scheduled"
    done = await client.post(
        f"/appointments/{visit_id}/cancel",
        data={
            "csrf": token,
            "reason": "ill",
            "dont_tell": "1",
            "untold_reason": "called her",
        },
    )
    assert done.status == 200
    assert Appointment.get_by_id(visit_id).status == "cancelled"
    assert Message.select().count() == before
    page = await (await client.get(f"/appointments/{visit_id}")).text()
    assert "called her" in page  # the reason, in the visit's history
