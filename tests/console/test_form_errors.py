"""A refused form comes back as its page, the reason beside the field, typing kept."""

from __future__ import annotations

import pytest

from core.models import Closure, Doctor, TimeOff, VisitType


@pytest.mark.parametrize(
    "path,form,field,said",
    [
        ("/doctors", {"name": "", "department": "1", "specialisation": "Skin"},
         "name", "Please fill in name."),
        ("/visit-types", {"name": "Long one", "minutes": "lots"},
         "minutes", "minutes must be a whole number."),
        ("/closures", {"day": "31/12/2026", "name": "New Year"},
         "day", "day must be a date like 2026-03-14."),
    ],
)  # fmt: skip
async def test_the_doctors_page_shows_the_problem_beside_its_field(
    client, login_as, clinic, path, form, field, said
):
    token = await login_as("staff")
    before = (
        Doctor.select().count(),
        VisitType.select().count(),
        Closure.select().count(),
    )
    refused = await client.post(path, data={"csrf": token, **form})
    page = await refused.text()
    assert refused.status == 400
    assert "<h1>Doctors and departments</h1>" in page, "the page, not an error page"
    assert f'id="problem-{field}">{said}</strong>' in page
    assert f'aria-describedby="problem-{field}"' in page
    for value in form.values():
        if value:
            assert f'value="{value}"' in page  # what was typed is still there
    after = (
        Doctor.select().count(),
        VisitType.select().count(),
        Closure.select().count(),
    )
    assert after == before


async def test_bad_hours_and_time_off_stay_on_the_doctors_own_page(
    client, login_as, clinic
):
    token = await login_as("staff")
    doctor = clinic["doctor"]
    hours = {f"day{d}": "09:00-17:00" for d in range(7)} | {"day2": "9 till late"}
    refused = await client.post(
        f"/doctors/{doctor.id}/hours", data={"csrf": token, **hours}
    )
    page = await refused.text()
    assert refused.status == 400 and f"<h1>{doctor.name}" in page
    assert 'id="problem-day2">Wednesday:' in page
    assert 'value="9 till late"' in page
    off = await client.post(
        f"/doctors/{doctor.id}/time-off",
        data={"csrf": token, "start": "tomorrow", "end": "2026-12-01T12:00",
              "reason": "Conference"},
    )  # fmt: skip
    page = await off.text()
    assert off.status == 400 and 'id="problem-start"' in page
    assert 'value="Conference"' in page and not TimeOff.select().exists()


async def test_a_refused_login_keeps_the_email_but_never_the_password(
    client, login_as, clinic
):
    token = await login_as("admin")
    refused = await client.post(
        "/staff",
        data={"csrf": token, "email": "nurse@clinic.test", "role": "doctor",
              "doctor": "", "password": "long enough secret"},
    )  # fmt: skip
    page = await refused.text()
    assert refused.status == 400 and "<h1>Staff users</h1>" in page
    assert 'id="problem-doctor">A doctor login must be linked' in page
    assert 'value="nurse@clinic.test"' in page
    assert "long enough secret" not in page
    assert "<option selected>doctor</option>" in page


def _tomorrow_at_ten(now):
    import datetime as dt

    return (now + dt.timedelta(days=1)).replace(hour=10, minute=0)


@pytest.mark.parametrize(
    "typed,field,said",
    [
        ({"name": "Rosa Diaz", "phone": "12"},
         "phone", "&#39;12&#39; is not a possible phone number."),
        ({"name": "Rosa Diaz", "phone": "+1 555 010 9999", "email": "rosa@"},
         "email", "That does not look like an email address."),
        ({"name": "", "phone": "+1 555 010 9999"}, "name", "Please fill in name."),
    ],
)  # fmt: skip
async def test_a_refused_new_patient_booking_stays_on_the_booking_page(
    client, login_as, clinic, now, typed, field, said
):
    from core.models import Appointment, Patient

    token = await login_as("staff")
    doctor = clinic["doctor"]
    form = {
        "csrf": token,
        "doctor": str(doctor.id),
        "start": _tomorrow_at_ten(now).isoformat(),
        "note": "prefers mornings",
        **typed,
    }
    refused = await client.post("/appointments", data=form)
    page = await refused.text()
    assert refused.status == 400
    assert f"<h1>Book {doctor.name}" in page, "the booking page, not an error page"
    assert f'id="problem-{field}">{said}' in page
    assert f'aria-describedby="problem-{field}"' in page
    for name in ("name", "phone", "email"):
        if typed.get(name):
            assert f'value="{typed[name]}"' in page
    assert ">prefers mornings</textarea>" in page
    assert Appointment.select().count() == 0
    assert Patient.select().count() == 1  # only the clinic's Ana Lopez


async def test_an_empty_reply_on_the_patient_page_is_said_beside_the_box(
    client, login_as, clinic
):
    from core.models import Message

    token = await login_as("staff")
    patient = clinic["patient"]
    refused = await client.post(
        f"/patients/{patient.id}/reply", data={"csrf": token, "body": "   "}
    )
    page = await refused.text()
    assert refused.status == 400 and "Ana Lopez" in page and "<h1>" in page
    assert 'id="problem-body">The reply is empty.' in page
    assert not Message.select().exists()
