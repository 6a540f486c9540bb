"""Bad input to /api/v1: each a clear JSON error naming the field, nothing changed."""

from __future__ import annotations

from core.models import Appointment, AuditLog, Patient
from tests.api.conftest import bearer


def _booking(clinic, **change):
    return {
        "patient_id": clinic["patient"].id,
        "doctor_id": clinic["doctor"].id,
        "start": "2026-11-24T10:00:00Z",
    } | change


def _unchanged():
    return (
        Appointment.select().count(),
        AuditLog.select().count(),
        Patient.select().count(),
    )


BAD_BOOKINGS = [
    ({"colour": "blue"}, "colour"),  # unknown field
    ({"patient_id": "one"}, "patient_id"),
    ({"patient_id": 1.5}, "patient_id"),
    ({"patient_id": -3}, "patient_id"),
    ({"doctor_id": None}, "doctor_id"),
    ({"start": "next tuesday"}, "start"),
    ({"start": "2026-11-24T10:00:00"}, "start"),  # no offset
    ({"start": "2026-13-45T10:00:00Z"}, "start"),
    ({"start": 1764000000}, "start"),
    ({"needs_confirmation": "yes"}, "needs_confirmation"),
]


MALFORMED = [
    (b"{", 400),
    (b"not json", 400),
    (b"", 400),
    (b"[1, 2]", 422),
    (b'"x"', 422),
]


async def test_bad_booking_bodies(api_client, token_for, clinic):
    headers = bearer(token_for("staff"))
    before = _unchanged()
    for change, field in BAD_BOOKINGS:
        response = await api_client.post(
            "/api/v1/appointments", json=_booking(clinic, **change), headers=headers
        )
        assert response.status == 422, await response.text()
        error = (await response.json())["error"]
        assert (error["code"], error["field"]) == ("invalid", field), change
    for raw, status in MALFORMED:
        response = await api_client.post(
            "/api/v1/appointments",
            data=raw,
            headers=headers | {"Content-Type": "application/json"},
        )
        assert response.status == status, raw
        code = "malformed_json" if status == 400 else "invalid"
        assert (await response.json())["error"]["code"] == code
    assert _unchanged() == before


async def test_oversize_body_is_413_json(api_client, token_for, clinic):
    before = _unchanged()
    response = await api_client.post(
        "/api/v1/patients",
        data=b'{"name": "' + b"x" * 70_000 + b'"}',
        headers=bearer(token_for("staff")) | {"Content-Type": "application/json"},
    )
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "body_too_large"
    assert _unchanged() == before


BAD_APPOINTMENT_QUERIES = [
    ("doctor=abc", "doctor"),
    ("status=lost", "status"),
    ("from=yesterday", "from"),
    ("from=2026-11-24T10:00:00", "from"),  # no offset
    ("limit=0", "limit"),
    ("limit=201", "limit"),
    ("sort=start", "sort"),  # unknown parameter
    ("doctor=1&doctor=2", "doctor"),
    ("cursor=!!!", "cursor"),
    ("cursor=bm90LWEtY3Vyc29y", "cursor"),
]
SLOT_QUERIES = [
    ("", 422, "from"),
    ("from=2026-02-30", 422, "from"),
    ("from=2026-11-24&to=2026-11-20", 422, "to"),
    ("from=2026-11-01&to=2027-11-01", 422, "to"),  # too long a range
    ("from=2026-11-24&doctor=999", 404, None),
    ("from=2026-11-24&department=999", 404, None),
    ("from=2026-11-24&visit_type=999", 404, None),
    ("from=9999-12-31", 200, None),  # beyond the horizon: nothing free
    ("from=0001-01-01", 200, None),  # all past
]


async def test_bad_queries(api_client, token_for):
    headers = bearer(token_for("admin"))
    for query, field in BAD_APPOINTMENT_QUERIES:
        response = await api_client.get(
            f"/api/v1/appointments?{query}", headers=headers
        )
        assert response.status == 422, await response.text()
        assert (await response.json())["error"]["field"] == field, query
    for query, status, field in SLOT_QUERIES:
        response = await api_client.get(f"/api/v1/slots?{query}", headers=headers)
        assert response.status == status, await response.text()
        body = await response.json()
        if status == 200:
            assert body == {"data": []}
        else:
            assert body["error"]["field"] == field, query


async def test_patient_bodies(api_client, token_for, clinic):
    headers = bearer(token_for("staff"))
    before = _unchanged()
    for body, field in (
        ({"name": "Bo", "phone": "12"}, "phone"),
        ({"name": "", "phone": "+15551112222"}, "name"),
        ({"name": "Bo", "phone": "+15551112222", "language": "fr"}, "language"),
        ({"name": "Bo", "phone": "+15551112222", "email": "not-an-email"}, "email"),
        ({"name": "Bo", "phone": "+15551112222", "role": "admin"}, "role"),
    ):
        response = await api_client.post("/api/v1/patients", json=body, headers=headers)
        assert response.status == 422, body
        assert (await response.json())["error"]["field"] == field, body
    missing = await api_client.patch(
        "/api/v1/patients/99999", json={"name": "X"}, headers=headers
    )
    assert missing.status == 404
    assert _unchanged() == before


async def test_unknown_paths_and_methods_are_json(api_client, token_for):
    headers = bearer(token_for("admin"))
    missing = await api_client.get("/api/v1/nothing", headers=headers)
    assert missing.status == 404
    assert (await missing.json())["error"]["code"] == "not_found"
    wrong = await api_client.delete("/api/v1/departments", headers=headers)
    assert wrong.status == 405
    assert (await wrong.json())["error"]["code"] == "method_not_allowed"
