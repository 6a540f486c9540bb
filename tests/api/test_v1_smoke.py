"""A first walk through /api/v1: read the clinic, book, see it listed."""

from __future__ import annotations

from tests.api.conftest import bearer


async def test_book_and_list(api_client, token_for, clinic):
    headers = bearer(token_for("staff"))
    doctors = await (await api_client.get("/api/v1/doctors", headers=headers)).json()
    assert {d["name"] for d in doctors["data"]} == {"Dr. Own", "Dr. Other"}
    doctor = clinic["doctor"].id
    slots = await api_client.get(
        f"/api/v1/slots?doctor={doctor}&from=2026-11-24", headers=headers
    )
    assert slots.status == 200, await slots.text()
    first = (await slots.json())["data"][0]
    assert first["start"] == "2026-11-24T09:00:00Z"
    booked = await api_client.post(
        "/api/v1/appointments",
        json={
            "patient_id": clinic["patient"].id,
            "doctor_id": doctor,
            "start": first["start"],
        },
        headers=headers,
    )
    assert booked.status == 201, await booked.text()
    visit = await booked.json()
    assert visit["created_via"] == "api" and visit["status"] == "scheduled"
    listed = await (
        await api_client.get("/api/v1/appointments", headers=headers)
    ).json()
    assert [v["id"] for v in listed["data"]] == [visit["id"]]
