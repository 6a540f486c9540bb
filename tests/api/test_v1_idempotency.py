"""Idempotency-Key: a replayed POST gets the first answer and changes nothing;
the same key for a different request is a 422."""

from __future__ import annotations

import asyncio

from core.models import ApiIdempotency, Appointment, AuditLog, Patient
from tests.api.conftest import bearer


def _booking(clinic, start="2026-11-24T10:00:00Z"):
    return {
        "patient_id": clinic["patient"].id,
        "doctor_id": clinic["doctor"].id,
        "start": start,
    }


def _counts():
    return (Appointment.select().count(), AuditLog.select().count())


async def test_replay_returns_the_first_answer(api_client, token_for, clinic):
    headers = bearer(token_for("staff")) | {"Idempotency-Key": "book-1"}
    first = await api_client.post(
        "/api/v1/appointments", json=_booking(clinic), headers=headers
    )
    assert first.status == 201 and "Idempotent-Replayed" not in first.headers
    counts = _counts()
    replay = await api_client.post(
        "/api/v1/appointments", json=_booking(clinic), headers=headers
    )
    assert replay.status == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert await replay.read() == await first.read()
    assert _counts() == counts


async def test_a_key_reused_for_another_request_is_422(api_client, token_for, clinic):
    headers = bearer(token_for("staff")) | {"Idempotency-Key": "k"}
    await api_client.post(
        "/api/v1/appointments", json=_booking(clinic), headers=headers
    )
    counts = _counts()
    other = _booking(clinic, start="2026-11-24T11:00:00Z")
    response = await api_client.post(
        "/api/v1/appointments", json=other, headers=headers
    )
    assert response.status == 422
    error = (await response.json())["error"]
    assert error["code"] == "idempotency_key_reused"
    assert error["field"] == "Idempotency-Key"
    assert _counts() == counts


async def test_keys_are_per_token(api_client, token_for, clinic):
    """Another token's key of the same name is its own: a second booking attempt."""
    body = _booking(clinic)
    one = bearer(token_for("staff")) | {"Idempotency-Key": "same"}
    two = bearer(token_for("staff")) | {"Idempotency-Key": "same"}
    assert (
        await api_client.post("/api/v1/appointments", json=body, headers=one)
    ).status == 201
    taken = await api_client.post("/api/v1/appointments", json=body, headers=two)
    assert taken.status == 409  # it really tried: the time is taken


async def test_a_refusal_is_not_kept(api_client, token_for, clinic):
    """A 409 changed nothing, so the same key may try again once the time is free."""
    staff = bearer(token_for("staff"))
    blocker = await api_client.post(
        "/api/v1/appointments", json=_booking(clinic), headers=staff
    )
    headers = bearer(token_for("admin")) | {"Idempotency-Key": "retry"}
    body = _booking(clinic)
    refused = await api_client.post("/api/v1/appointments", json=body, headers=headers)
    assert refused.status == 409
    assert ApiIdempotency.select().count() == 0
    visit = (await blocker.json())["id"]
    await api_client.post(
        f"/api/v1/appointments/{visit}/cancel", json={}, headers=staff
    )
    retried = await api_client.post("/api/v1/appointments", json=body, headers=headers)
    assert retried.status == 201


async def test_racing_replays_change_once(api_client, token_for, clinic):
    """Concurrent requests with one key: one booking, every answer the same."""
    headers = bearer(token_for("staff")) | {"Idempotency-Key": "race"}
    responses = await asyncio.gather(
        *(
            api_client.post(
                "/api/v1/appointments", json=_booking(clinic), headers=headers
            )
            for _ in range(4)
        )
    )
    assert {r.status for r in responses} == {201}
    bodies = {await r.read() for r in responses}
    assert len(bodies) == 1
    assert Appointment.select().count() == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 3


async def test_patient_create_and_visit_changes_replay(api_client, token_for, clinic):
    headers = bearer(token_for("staff")) | {"Idempotency-Key": "patient-7"}
    body = {"name": "Bo Chen", "phone": "+15559870001"}
    first = await api_client.post("/api/v1/patients", json=body, headers=headers)
    again = await api_client.post("/api/v1/patients", json=body, headers=headers)
    assert first.status == again.status == 201
    assert await first.read() == await again.read()
    assert Patient.select().where(Patient.phone == "+15559870001").count() == 1


async def test_bad_keys_are_refused(api_client, token_for, clinic):
    for key in ("", "  ", "x" * 256):
        headers = bearer(token_for("staff")) | {"Idempotency-Key": key}
        response = await api_client.post(
            "/api/v1/appointments", json=_booking(clinic), headers=headers
        )
        assert response.status == 422, repr(key)
        assert (await response.json())["error"]["field"] == "Idempotency-Key"
    assert Appointment.select().count() == 0
