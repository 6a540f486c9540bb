"""FHIR Appointments: only for tokens that may see patients, searchable."""

from __future__ import annotations

import datetime as dt

from core.audit import Actor
from core.clinic import booking
from core.clock import UTC
from core.integrations import tokens
from core.models import Appointment
from tests.api.conftest import bearer, book_visit
from tests.api.test_fhir_resources import fhir_get, ids


def at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, tzinfo=UTC)


async def test_appointments_need_a_token_that_may_see_patients(
    api_client, clinic, now, token_for
):
    visit = book_visit(clinic, now, at(24, 10))
    path = f"/fhir/r4/Appointment/{visit.id}"
    for url in (path, "/fhir/r4/Appointment"):
        missing = await fhir_get(api_client, url, 401)
        assert missing["issue"][0]["code"] == "login"
        response = await api_client.get(url, headers=bearer("not-a-token"))
        assert response.status == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        refused = await fhir_get(
            api_client, url, 403, headers=bearer(token_for("read"))
        )
        assert refused["issue"][0]["code"] == "forbidden"
    for role in ("staff", "doctor", "admin"):
        found = await fhir_get(api_client, path, headers=bearer(token_for(role)))
        assert found["id"] == str(visit.id)


async def test_a_revoked_token_is_refused(api_client, clinic, now):
    token_id, token = tokens.create("gone", "staff", now)
    tokens.revoke(token_id, now)
    await fhir_get(api_client, "/fhir/r4/Appointment", 401, headers=bearer(token))


async def test_an_appointment_as_fhir(api_client, clinic, now, token_for):
    visit = book_visit(clinic, now, at(24, 10))
    found = await fhir_get(
        api_client,
        f"/fhir/r4/Appointment/{visit.id}",
        headers=bearer(token_for("staff")),
    )
    assert found["status"] == "booked"
    assert (found["start"], found["end"]) == (
        "2026-11-24T10:00:00Z",
        "2026-11-24T10:30:00Z",
    )
    assert found["minutesDuration"] == 30
    assert found["serviceType"][0]["text"] == "Consultation"
    doctor, place, patient = found["participant"]
    assert doctor["actor"] == {
        "reference": f"Practitioner/{clinic['doctor'].id}",
        "display": "Dr. Own",
    }
    assert place["actor"]["reference"] == "Location/clinic"
    # The patient by name only, not yet confirmed; no phone anywhere.
    assert patient == {
        "actor": {"display": "Ana Lopez"},
        "required": "required",
        "status": "needs-action",
    }
    assert clinic["patient"].phone not in str(found)


async def test_search_by_date_practitioner_and_status(
    api_client, clinic, now, token_for
):
    headers = bearer(token_for("doctor"))
    first = book_visit(clinic, now, at(24, 10))
    second = book_visit(clinic, now, at(25, 11), doctor=clinic["other"])
    third = book_visit(clinic, now, at(26, 9))
    booking.cancel(
        third.id, Actor("staff", clinic["users"]["staff"].id), "Doctor away", now
    )

    async def search(query: str) -> list[str]:
        bundle = await fhir_get(
            api_client, f"/fhir/r4/Appointment?{query}", headers=headers
        )
        return ids(bundle)

    every = [str(first.id), str(second.id), str(third.id)]
    assert await search("") == every
    assert await search("date=2026-11-25") == [str(second.id)]
    assert await search("date=ge2026-11-25&date=lt2026-11-26T09:30Z") == every[1:]
    assert await search("date=lt2026-11-25") == [str(first.id)]
    assert await search(f"practitioner=Practitioner/{clinic['other'].id}") == [
        str(second.id)
    ]
    assert await search(f"practitioner={clinic['doctor'].id}&date=gt2026-11-24") == [
        str(third.id)
    ]
    assert await search("status=cancelled") == [str(third.id)]
    assert await search("status=booked,fulfilled") == every[:2]
    assert await search("status=arrived") == []
    paged = await fhir_get(api_client, "/fhir/r4/Appointment?_count=2", headers=headers)
    assert paged["total"] == 3 and ids(paged) == every[:2]
    rest = await fhir_get(
        api_client, "/fhir/r4/Appointment?_count=2&_offset=2", headers=headers
    )
    assert ids(rest) == every[2:]
    cancelled = await fhir_get(
        api_client, f"/fhir/r4/Appointment/{third.id}", headers=headers
    )
    assert cancelled["cancelationReason"] == {"text": "Doctor away"}


async def test_bad_appointment_searches_are_400_and_unknown_ids_404(
    api_client, clinic, now, token_for
):
    headers = bearer(token_for("staff"))
    book_visit(clinic, now, at(24, 10))
    visits = Appointment.select().count()
    for query in (
        "date=yesterday",
        "date=2026-11-31",
        "status=done",
        "practitioner=Location/clinic",
        "patient=1",
        "_count=1001",
    ):
        outcome = await fhir_get(
            api_client, f"/fhir/r4/Appointment?{query}", 400, headers=headers
        )
        assert outcome["issue"][0]["code"] == "invalid", query
    for missing in ("999", "abc", "0"):
        await fhir_get(
            api_client, f"/fhir/r4/Appointment/{missing}", 404, headers=headers
        )
    assert Appointment.select().count() == visits
