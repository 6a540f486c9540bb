"""Input and authorization edges found in review: each changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from core.clock import to_db
from core.models import Appointment, Message, Patient, TimeOff
from tests.factories import make_visit_type


async def test_simulator_refuses_a_real_patients_number(client, login_as, clinic):
    token = await login_as("staff")
    real = clinic["patient"]
    Patient.update(phone="+12125550123").where(Patient.id == real.id).execute()
    response = await client.post(
        "/simulator", data={"csrf": token, "text": "STOP", "phone": "+12125550123"}
    )
    assert response.status == 400
    assert "fictional" in await response.text()
    assert not Patient.get_by_id(real.id).sms_opt_out
    assert not Message.select().where(Message.channel == "console").exists()


@pytest.mark.parametrize(
    "path",
    [
        "/messages?before=99999999999999999999",
        "/calendar?doctor=99999999999999999999",
        "/stats?from=0001-01-01&to=0001-01-01",
        "/calendar?date=9999-12-31&view=week",
    ],
)
async def test_absurd_query_values_are_a_clear_400(client, login_as, clinic, path):
    await login_as("staff")
    response = await client.get(path)
    assert response.status == 400, await response.text()


async def test_time_off_is_removed_only_through_its_own_doctor(
    client, login_as, clinic, now
):
    token = await login_as("staff")
    own, other = clinic["doctor"], clinic["other"]
    off = TimeOff.create(
        doctor=other, start=to_db(now), end=to_db(now + dt.timedelta(hours=2))
    )
    response = await client.post(
        f"/doctors/{own.id}/time-off/{off.id}/delete", data={"csrf": token}
    )
    assert response.status == 404
    assert TimeOff.select().where(TimeOff.id == off.id).exists()


async def test_a_doctor_reads_only_messages_about_their_own_visits(
    client, login_as, clinic, now
):
    own, other, patient = clinic["doctor"], clinic["other"], clinic["patient"]
    visit_type = make_visit_type()
    start = to_db(now + dt.timedelta(days=1))
    end = start + dt.timedelta(minutes=30)
    visits = {
        doctor.id: Appointment.create(
            doctor=doctor, patient=patient, visit_type=visit_type, start=start, end=end
        )
        for doctor in (own, other)
    }
    for doctor, body in ((own, "about the own visit"), (other, "about the other")):
        Message.create(
            direction="out", channel="sms", address=patient.phone, patient=patient,
            appointment=visits[doctor.id], body=body, status="sent",
        )  # fmt: skip
    await login_as("doctor")
    page = await (await client.get(f"/patients/{patient.id}")).text()
    assert "about the own visit" in page and "about the other" not in page
