"""Patients through /api/v1: search, register, change details, audited as the token."""

from __future__ import annotations

from core.models import AuditLog, Patient
from tests.api.conftest import bearer
from tests.factories import make_patient


async def test_search_by_name_email_or_phone(api_client, token_for, clinic):
    headers = bearer(token_for("doctor"))
    patient = clinic["patient"]
    for q in ("lopez", "ANA", patient.phone[-6:]):
        found = await (
            await api_client.get(f"/api/v1/patients?q={q}", headers=headers)
        ).json()
        assert [p["id"] for p in found["data"]] == [patient.id], q
    nothing = await api_client.get("/api/v1/patients?q=zzzz", headers=headers)
    assert (await nothing.json()) == {"data": []}
    one = await api_client.get(f"/api/v1/patients/{patient.id}", headers=headers)
    assert (await one.json())["name"] == "Ana Lopez"


async def test_search_ignores_accents(api_client, token_for, clinic):
    garcia = make_patient(name="Ana García")
    muller = make_patient(name="JÖRG MÜLLER")
    make_patient(name="Gerard Cruz")  # found by the pattern, not by the name
    headers = bearer(token_for("staff"))
    for q, expected in (("garcia", garcia), ("GARCÍA", garcia), ("müller", muller),
                        ("jorg", muller)):  # fmt: skip
        found = await (
            await api_client.get(f"/api/v1/patients?q={q}", headers=headers)
        ).json()
        assert [p["id"] for p in found["data"]] == [expected.id], q


async def test_register_then_update(api_client, token_for, clinic):
    headers = bearer(token_for("staff"))
    created = await api_client.post(
        "/api/v1/patients",
        json={"name": "Bo Chen", "phone": "(555) 987-0001", "email": "Bo@Example.COM"},
        headers=headers,
    )
    assert created.status == 201, await created.text()
    patient = await created.json()
    assert patient["phone"] == "+15559870001" and patient["email"] == "Bo@example.com"
    url = f"/api/v1/patients/{patient['id']}"
    changed = await api_client.patch(
        url, json={"name": "Bo Chen Li", "language": "es"}, headers=headers
    )
    body = await changed.json()
    assert (body["name"], body["language"], body["email"]) == (
        "Bo Chen Li",
        "es",
        "Bo@example.com",
    )
    cleared = await api_client.patch(
        url, json={"email": None, "phone": "+15559870002"}, headers=headers
    )
    body = await cleared.json()
    assert body["email"] is None and body["phone"] == "+15559870002"
    actions = [
        (a.actor.split(":")[0], a.action)
        for a in AuditLog.select().where(AuditLog.patient == patient["id"])
    ]
    assert actions == [("api", "patient.create"), ("api", "patient.update")] + [
        ("api", "patient.update")
    ]


async def test_a_number_or_email_of_another_patient_is_409(
    api_client, token_for, clinic
):
    headers = bearer(token_for("staff"))
    taken = clinic["patient"].phone
    before = Patient.select().count()
    created = await api_client.post(
        "/api/v1/patients", json={"name": "Dup", "phone": taken}, headers=headers
    )
    assert created.status == 409
    error = (await created.json())["error"]
    assert error["code"] == "patient_exists" and error["field"] == "phone"
    assert Patient.select().count() == before
    other = await api_client.post(
        "/api/v1/patients",
        json={"name": "Other", "phone": "+15559870009"},
        headers=headers,
    )
    other_id = (await other.json())["id"]
    moved = await api_client.patch(
        f"/api/v1/patients/{other_id}", json={"phone": taken}, headers=headers
    )
    assert moved.status == 409
    assert Patient.get_by_id(other_id).phone == "+15559870009"
