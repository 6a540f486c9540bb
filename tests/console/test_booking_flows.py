"""Booking on a patient's behalf: from the nav, a calendar slot or the patient page.

Through HTTP on SQLite and PostgreSQL: visit types with their length, a
staff-only note, accent-insensitive patient search, new patients inline, and
only the actions that are legal now.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, unquote, urlsplit

from core import audit
from core.clinic import booking
from core.models import (
    Appointment,
    Doctor,
    DoctorVisitType,
    Message,
    Patient,
    VisitType,
)
from core.policy import load_policy
from core.views.patients import search_patients
from tests.factories import make_doctor, make_patient

TUESDAY = dt.date(2026, 11, 24)
SLOT_LINK = re.compile(r'<a class="slot" href="([^"]+)"')


def at(hour: int, minute: int = 0, day: dt.date = TUESDAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)


def _links(page: str) -> list[dict]:
    """The free-time links of a page, as their query parameters."""
    found = []
    for href in SLOT_LINK.findall(page):
        query = parse_qs(urlsplit(href.replace("&amp;", "&")).query)
        found.append({k: unquote(v[0]) for k, v in query.items()})
    return found


def _new_patient_type(clinic) -> VisitType:
    long = VisitType.create(name="New patient", minutes=60)
    DoctorVisitType.create(doctor=clinic["doctor"], visit_type=long)
    return long


async def _text(client, path: str, status: int = 200) -> str:
    response = await client.get(path)
    assert response.status == status, await response.text()
    return await response.text()


async def test_new_appointment_from_the_nav_is_a_real_page(client, login_as, clinic):
    long = _new_patient_type(clinic)
    await login_as("staff")
    today = await _text(client, "/")
    assert 'href="/appointments/new">New appointment</a>' in today
    page = await _text(client, "/appointments/new")
    assert "Show free times" in page and "New patient (60 min)" in page
    assert 'class="slot"' not in page  # nothing searched yet
    doctor = clinic["doctor"].id
    page = await _text(
        client, f"/appointments/new?doctor={doctor}&visit_type={long.id}&date={TUESDAY}"
    )
    times = _links(page)
    assert len(times) == 24 and times[0]["start"] == at(9).isoformat()
    assert {t["doctor"] for t in times} == {str(doctor)}
    assert {t["visit_type"] for t in times} == {str(long.id)}
    # 60 minutes: the last start on a 09-17 day is 16:00.
    assert at(16).isoformat() in {t["start"] for t in times}
    assert at(16, 30).isoformat() not in {t["start"] for t in times}
    # Any doctor who offers the kind of visit: Dr. Other does not offer it.
    anyone = _links(await _text(client, f"/appointments/new?visit_type={long.id}"))
    assert {t["doctor"] for t in anyone} == {str(doctor)}
    await login_as("doctor")
    assert "New appointment" not in await _text(client, "/")


async def test_book_with_a_visit_type_and_a_staff_only_note(client, login_as, clinic):
    long = _new_patient_type(clinic)
    booking.book(
        patient_id=make_patient(name="Bo Busy").id,
        doctor_id=clinic["doctor"].id,
        start=at(11),
        policy=load_policy(),
        now=at(8, day=TUESDAY - dt.timedelta(days=1)),
        actor=audit.Actor("staff", 1),
    )
    token = await login_as("staff")
    doctor = clinic["doctor"].id
    start = at(10, 30).isoformat().replace("+", "%2B")
    page = await _text(client, f"/appointments/new?doctor={doctor}&start={start}")
    # The doctor's kinds of visit with their length; 60 min does not fit at 10:30.
    assert "Consultation (30 min)" in page
    option = re.search(rf'<option value="{long.id}"[^>]*>New patient[^<]*', page)
    assert option and " disabled>" in option.group(0)
    assert "New patient (60 min) — does not fit at 10:30" in option.group(0)
    refused = await client.post(
        "/appointments",
        data={"csrf": token, "doctor": doctor, "start": at(10, 30).isoformat(),
              "patient": clinic["patient"].id, "visit_type": long.id},
    )  # fmt: skip
    assert refused.status == 409
    assert "Back to the visit" not in await refused.text()  # no visit to go back to
    assert Appointment.select().count() == 1
    foreign = VisitType.create(name="Not offered", minutes=30)
    other = await client.post(
        "/appointments",
        data={"csrf": token, "doctor": doctor, "start": at(14).isoformat(),
              "patient": clinic["patient"].id, "visit_type": foreign.id},
    )  # fmt: skip
    assert other.status == 409 and "does not offer" in await other.text()
    booked = await client.post(
        "/appointments",
        data={"csrf": token, "doctor": doctor, "start": at(14).isoformat(),
              "patient": clinic["patient"].id, "visit_type": long.id,
              "note": "Bring last year's X-rays"},
        allow_redirects=False,
    )  # fmt: skip
    assert booked.status == 303
    visit = Appointment.get(Appointment.patient == clinic["patient"].id)
    assert (visit.visit_type_id, visit.end - visit.start) == (
        long.id,
        dt.timedelta(minutes=60),
    )
    assert visit.staff_note == "Bring last year's X-rays"
    shown = await _text(client, f"/appointments/{visit.id}")
    assert "Bring last year&#39;s X-rays" in shown and "New patient" in shown
    # Never to the patient: not in any message, not on the patient's page.
    assert not Message.select().where(Message.body.contains("X-rays")).exists()
    patient_page = await _text(client, f"/patients/{clinic['patient'].id}")
    assert "X-rays" not in patient_page
    edited = await client.post(
        f"/appointments/{visit.id}/note",
        data={"csrf": token, "note": "Wheelchair access"},
        allow_redirects=False,
    )
    assert edited.status == 303
    assert Appointment.get_by_id(visit.id).staff_note == "Wheelchair access"
    too_long = await client.post(
        f"/appointments/{visit.id}/note", data={"csrf": token, "note": "x" * 1001}
    )
    assert too_long.status == 400
    assert Appointment.get_by_id(visit.id).staff_note == "Wheelchair access"


async def test_patient_search_ignores_case_and_accents(client, login_as, clinic):
    garcia = make_patient(name="María García", phone="+15550107777")
    plain = make_patient(name="Jose GARCIA")
    make_patient(name="Greta Garbo")
    for query in ("garcia", "GARCÍA", "García", "garcía"):
        found = {p["id"] for p in search_patients(query)}
        assert found == {garcia.id, plain.id}, query
    assert [p["id"] for p in search_patients("maria")] == [garcia.id]
    assert [p["id"] for p in search_patients("josé")] == [plain.id]
    assert [p["id"] for p in search_patients("555 010 7777")] == [garcia.id]
    await login_as("staff")
    start = at(10).isoformat().replace("+", "%2B")
    page = await _text(
        client, f"/appointments/new?doctor={clinic['doctor'].id}&start={start}&q=garcia"
    )
    assert f'name="patient" value="{garcia.id}"' in page
    assert f'name="patient" value="{plain.id}"' in page
    assert "Greta" not in page
    listed = await _text(client, "/patients?q=GARCIA")
    assert f"/patients/{garcia.id}" in listed


async def test_three_steps_from_a_calendar_slot_with_a_new_patient_inline(
    client, login_as, clinic
):
    token = await login_as("staff")
    calendar = await _text(
        client, f"/calendar?date={TUESDAY}&doctor={clinic['doctor'].id}"
    )
    link = _links(calendar)[2]  # 10:00
    assert link == {"doctor": str(clinic["doctor"].id), "start": at(10).isoformat()}
    start = link["start"].replace("+", "%2B")
    found = await _text(
        client, f"/appointments/new?doctor={link['doctor']}&start={start}&q=Zoe%20New"
    )
    assert "No patient matches" in found
    assert 'name="name" required maxlength="120" value="Zoe New"' in found
    booked = await client.post(
        "/appointments",
        data={"csrf": token, "doctor": link["doctor"], "start": link["start"],
              "name": "Zoe New", "phone": "+1 555 010 4242", "note": "first visit"},
        allow_redirects=False,
    )  # fmt: skip
    assert booked.status == 303
    zoe = Patient.get(Patient.name == "Zoe New")
    visit = Appointment.get(Appointment.patient == zoe.id)
    assert (visit.start, visit.staff_note) == (
        at(10).replace(tzinfo=None),
        "first visit",
    )


async def test_book_from_the_patient_page(client, login_as, clinic):
    token = await login_as("staff")
    patient = clinic["patient"].id
    page = await _text(client, f"/patients/{patient}")
    assert f'href="/appointments/new?patient={patient}"' in page
    picker = await _text(client, f"/appointments/new?patient={patient}")
    assert "for Ana Lopez" in picker and f'name="patient" value="{patient}"' in picker
    times = _links(
        await _text(
            client,
            f"/appointments/new?patient={patient}&doctor={clinic['other'].id}&date={TUESDAY}",
        )
    )
    assert times and {t["patient"] for t in times} == {str(patient)}
    chosen = times[0]
    start = chosen["start"].replace("+", "%2B")
    confirm = await _text(
        client,
        f"/appointments/new?patient={patient}&doctor={chosen['doctor']}&start={start}",
    )
    assert "Book for Ana Lopez" in confirm and 'name="q"' not in confirm
    booked = await client.post(
        "/appointments",
        data={"csrf": token, "doctor": chosen["doctor"], "start": chosen["start"],
              "patient": patient},
        allow_redirects=False,
    )  # fmt: skip
    assert booked.status == 303
    assert Appointment.get().doctor_id == clinic["other"].id
    assert (await client.get("/appointments/new?patient=99999")).status == 404
    assert (await client.get("/appointments/new?doctor=99999")).status == 404
    assert (await client.get("/appointments/new?start=soon&doctor=1")).status == 400


async def test_only_legal_actions_are_offered_and_cancel_looks_dangerous(
    client, login_as, clinic, clock
):
    monday = TUESDAY - dt.timedelta(days=1)  # today: the clock says 08:00
    visit = booking.book(
        patient_id=clinic["patient"].id,
        doctor_id=clinic["doctor"].id,
        start=at(10, day=monday),
        policy=load_policy(),
        now=clock.now,
        actor=audit.Actor("staff", 1),
    )
    token = await login_as("staff")
    future = await _text(client, f"/appointments/{visit.id}")
    assert "/complete" not in future and "/no-show" not in future
    assert "Confirm</button>" in future
    assert re.search(r'<button type="submit" class="danger"[^>]*>Cancel visit', future)
    assert f'href="/calendar?move={visit.id}"' in future
    early = await client.post(
        f"/appointments/{visit.id}/complete", data={"csrf": token}
    )
    assert early.status == 409 and "has not started yet" in await early.text()
    assert f'href="/appointments/{visit.id}">Back to the visit' in await early.text()
    assert Appointment.get_by_id(visit.id).status == "scheduled"
    clock.now = at(10, 5, day=monday)
    token = await login_as("staff")  # a new session: the old one idled out
    started = await _text(client, f"/appointments/{visit.id}")
    assert "/complete" in started and "/no-show" in started
    clock.now = at(11, day=monday)
    token = await login_as("staff")
    over = await _text(client, f"/appointments/{visit.id}")
    assert "Confirm</button>" not in over  # a visit that is over cannot be confirmed
    done = await client.post(f"/appointments/{visit.id}/complete", data={"csrf": token})
    assert done.status == 200
    assert Appointment.get_by_id(visit.id).status == "completed"


async def test_reschedule_on_the_grid_picks_a_date_and_another_doctor(
    client, login_as, clinic
):
    visit = booking.book(
        patient_id=clinic["patient"].id,
        doctor_id=clinic["doctor"].id,
        start=at(10),
        policy=load_policy(),
        now=at(8, day=TUESDAY - dt.timedelta(days=1)),
        actor=audit.Actor("staff", 1),
    )
    make_doctor(name="Dr. Third")  # offers the Consultation too
    token = await login_as("staff")
    friday = TUESDAY + dt.timedelta(days=3)
    page = await _text(client, f"/calendar?move={visit.id}&date={friday}")
    assert 'type="date" name="date" value="2026-11-27"' in page
    assert f'name="move" value="{visit.id}"' in page  # the date picker keeps moving
    third = Doctor.get(Doctor.name == "Dr. Third").id
    target = dt.datetime.combine(friday, dt.time(15), tzinfo=dt.UTC).isoformat()
    action = f"/appointments/{visit.id}/reschedule?doctor={third}"
    assert f'value="{target}" formaction="{action}"' in page
    moved = await client.post(
        action,
        data={"csrf": token, "start": target, "dont_tell": "1",
              "untold_reason": "told on the phone"},
        allow_redirects=False,
    )  # fmt: skip
    assert moved.status == 303
    row = Appointment.get_by_id(visit.id)
    assert row.doctor_id == third and row.start.date() == friday
    assert not Message.select().where(Message.body.contains("has moved to")).exists()
