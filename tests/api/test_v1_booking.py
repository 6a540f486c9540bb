"""Booking and changing visits through /api/v1: the same guarantees as every
channel (no double booking, compare-and-set changes), audited as the token."""

from __future__ import annotations

import asyncio

from core.models import Appointment, AuditLog, SlotClaim
from tests.api.conftest import bearer, book_visit

TUESDAY_10 = "2026-11-24T10:00:00Z"


def _booking(clinic, start=TUESDAY_10, **extra):
    return {
        "patient_id": clinic["patient"].id,
        "doctor_id": clinic["doctor"].id,
        "start": start,
        **extra,
    }


async def test_book_writes_the_visit_and_its_audit_row(api_client, token_for, clinic):
    response = await api_client.post(
        "/api/v1/appointments",
        json=_booking(clinic, start="2026-11-24T11:00:00+01:00"),  # 10:00 UTC
        headers=bearer(token_for("staff")),
    )
    assert response.status == 201, await response.text()
    visit = await response.json()
    assert visit["start"] == TUESDAY_10 and visit["end"] == "2026-11-24T10:30:00Z"
    assert visit["doctor"] == "Dr. Own" and visit["visit_type"] == "Consultation"
    row = Appointment.get_by_id(visit["id"])
    assert row.created_via == "api" and row.status == "scheduled"
    (audit,) = AuditLog.select().where(AuditLog.appointment == visit["id"])
    assert audit.action == "book" and audit.actor.startswith("api:")


async def test_double_booking_is_409_and_changes_nothing(api_client, token_for, clinic):
    headers = bearer(token_for("admin"))
    first = await api_client.post(
        "/api/v1/appointments", json=_booking(clinic), headers=headers
    )
    assert first.status == 201
    claims = SlotClaim.select().count()
    overlapping = _booking(clinic, start="2026-11-24T10:00:00Z")
    second = await api_client.post(
        "/api/v1/appointments", json=overlapping, headers=headers
    )
    assert second.status == 409
    assert (await second.json())["error"]["code"] == "slot_taken"
    assert Appointment.select().count() == 1 and SlotClaim.select().count() == claims


async def test_concurrent_bookings_of_one_time_one_wins(api_client, token_for, clinic):
    """Two tokens at once for one time: the database lets exactly one commit."""
    requests = [
        api_client.post(
            "/api/v1/appointments",
            json=_booking(clinic),
            headers=bearer(token_for("staff")),
        )
        for _ in range(4)
    ]
    statuses = sorted(r.status for r in await asyncio.gather(*requests))
    assert statuses == [201, 409, 409, 409]
    assert Appointment.select().count() == 1


async def test_refused_times_are_422_with_the_field(api_client, token_for, clinic):
    headers = bearer(token_for("staff"))
    for start in (
        "2026-11-20T10:00:00Z",
        "2026-11-24T07:00:00Z",
        "2027-06-01T10:00:00Z",
    ):
        response = await api_client.post(
            "/api/v1/appointments", json=_booking(clinic, start=start), headers=headers
        )
        assert response.status == 422, start
        error = (await response.json())["error"]
        assert error["code"] == "slot_unavailable" and error["field"] == "start"
    assert Appointment.select().count() == 0


async def test_unknown_patient_doctor_or_visit_type(api_client, token_for, clinic):
    headers = bearer(token_for("staff"))
    for change, status in (
        ({"patient_id": 9999}, 404),
        ({"doctor_id": 9999}, 404),
        ({"visit_type_id": 9999}, 422),
    ):
        response = await api_client.post(
            "/api/v1/appointments", json=_booking(clinic) | change, headers=headers
        )
        assert response.status == status, (change, await response.text())
    assert Appointment.select().count() == 0


async def test_confirm_cancel_reschedule(api_client, token_for, clinic, now):
    headers = bearer(token_for("staff"))
    visit = book_visit(clinic, now)
    base = f"/api/v1/appointments/{visit.id}"
    confirmed = await api_client.post(base + "/confirm", headers=headers)
    assert (await confirmed.json())["status"] == "confirmed"
    again = await api_client.post(base + "/confirm", json={}, headers=headers)
    assert again.status == 200  # confirming twice is harmless
    moved = await api_client.post(
        base + "/reschedule",
        json={"start": "2026-11-25T14:00:00Z", "doctor_id": clinic["other"].id},
        headers=headers,
    )
    assert moved.status == 200, await moved.text()
    body = await moved.json()
    assert body["start"] == "2026-11-25T14:00:00Z" and body["doctor"] == "Dr. Other"
    assert body["status"] == "scheduled"  # a moved visit is confirmed afresh
    cancelled = await api_client.post(
        base + "/cancel", json={"reason": "Patient phoned"}, headers=headers
    )
    body = await cancelled.json()
    assert body["status"] == "cancelled" and body["cancelled_by"] == "api"
    assert body["cancel_reason"] == "Patient phoned"
    assert SlotClaim.select().where(SlotClaim.appointment == visit.id).count() == 0
    actors = {
        a.actor for a in AuditLog.select().where(AuditLog.appointment == visit.id)
    }
    assert any(actor.startswith("api:") for actor in actors)
    late = await api_client.post(base + "/confirm", headers=headers)
    assert late.status == 409
    assert (await late.json())["error"]["code"] == "invalid_transition"


async def test_doctor_token_completes_and_marks_no_show(
    api_client, token_for, clinic, now, clock
):
    headers = bearer(token_for("doctor"))
    done, missed = book_visit(clinic, now), book_visit(clinic, now)
    clock.advance(days=2)
    completed = await api_client.post(
        f"/api/v1/appointments/{done.id}/complete", headers=headers
    )
    assert (await completed.json())["status"] == "completed"
    no_show = await api_client.post(
        f"/api/v1/appointments/{missed.id}/no-show", headers=headers
    )
    assert (await no_show.json())["status"] == "no_show"
    refused = await api_client.post(
        f"/api/v1/appointments/{done.id}/cancel", json={}, headers=headers
    )
    assert refused.status == 403
    assert Appointment.get_by_id(done.id).status == "completed"


async def test_reads_of_one_visit(api_client, token_for, clinic, now):
    headers = bearer(token_for("doctor"))
    visit = book_visit(clinic, now)
    found = await api_client.get(f"/api/v1/appointments/{visit.id}", headers=headers)
    assert (await found.json())["patient_id"] == clinic["patient"].id
    for missing in ("999999", "0", "abc", "99999999999999999999"):
        response = await api_client.get(
            f"/api/v1/appointments/{missing}", headers=headers
        )
        assert response.status == 404, missing
        assert (await response.json())["error"]["code"] == "not_found"
