"""Every /api/v1 route x every token role gets exactly the expected status.

Allowed roles get past the gate and meet validation (422), a refused change
(409) or an answer (200); other roles get 403; no token, an unknown one and
a revoked one get 401. A route missing from the table fails the test, so a
new operation cannot ship ungated.
"""

from __future__ import annotations

import pytest

from core.api.operations import OPERATIONS
from core.integrations import tokens
from core.models import Appointment
from tests.api.conftest import bearer, book_visit

ROLES = ("admin", "staff", "doctor", "read")
# (method, path, json body, statuses for admin, staff, doctor, read);
# {visit} is a fresh scheduled visit tomorrow, {patient} the clinic's patient.
TABLE = [
    ("GET", "/api/v1/departments", None, (200, 200, 200, 200)),
    ("GET", "/api/v1/doctors", None, (200, 200, 200, 200)),
    ("GET", "/api/v1/visit-types", None, (200, 200, 200, 200)),
    ("GET", "/api/v1/slots?from=2026-11-24", None, (200, 200, 200, 200)),
    ("GET", "/api/v1/patients?q=Lopez", None, (200, 200, 200, 403)),
    ("GET", "/api/v1/patients/{patient}", None, (200, 200, 200, 403)),
    ("POST", "/api/v1/patients", {}, (422, 422, 403, 403)),
    ("PATCH", "/api/v1/patients/{patient}", {}, (200, 200, 403, 403)),
    ("GET", "/api/v1/appointments", None, (200, 200, 200, 403)),
    ("GET", "/api/v1/appointments/{visit}", None, (200, 200, 200, 403)),
    ("POST", "/api/v1/appointments", {}, (422, 422, 403, 403)),
    ("POST", "/api/v1/appointments/{visit}/confirm", None, (200, 200, 403, 403)),
    ("POST", "/api/v1/appointments/{visit}/cancel", {}, (200, 200, 403, 403)),
    ("POST", "/api/v1/appointments/{visit}/reschedule", {}, (422, 422, 403, 403)),
    # Not started yet: allowed roles are refused by the visit's rules.
    ("POST", "/api/v1/appointments/{visit}/complete", None, (409, 409, 409, 403)),
    ("POST", "/api/v1/appointments/{visit}/no-show", None, (409, 409, 409, 403)),
    (
        "GET",
        "/api/v1/stats/summary?from=2026-11-01&to=2026-11-30",
        None,
        (200, 200, 403, 403),
    ),
    ("GET", "/api/v1/openapi.json", None, (200, 200, 200, 200)),
    ("GET", "/api/v1/docs", None, (200, 200, 200, 200)),
]
PUBLIC = {"/api/v1/openapi.json", "/api/v1/docs"}


def _path(path: str, clinic, now) -> str:
    if "{visit}" in path:
        path = path.replace("{visit}", str(book_visit(clinic, now).id))
    return path.replace("{patient}", str(clinic["patient"].id))


@pytest.mark.parametrize("method,path,body,statuses", TABLE)
async def test_role_table(
    api_client, token_for, clinic, now, method, path, body, statuses
):
    for role, expected in zip(ROLES, statuses, strict=True):
        # Each role its own visit: an earlier role's change must not decide.
        url = _path(path, clinic, now)
        response = await api_client.request(
            method, url, json=body, headers=bearer(token_for(role))
        )
        assert response.status == expected, (role, url, await response.text())
        if path.endswith("/docs"):
            continue
        answer = await response.json()
        if expected >= 400:
            assert set(answer["error"]) == {"code", "message", "field"}


async def test_without_a_valid_token(api_client, clinic, now):
    """No token, an unknown one, a revoked one, a malformed header: 401 everywhere."""
    revoked_id, revoked = tokens.create("old", "admin", now)
    tokens.revoke(revoked_id, now)
    attempts = [
        {},
        bearer("cbt_not-a-token"),
        bearer(revoked),
        {"Authorization": "Basic YWRtaW46YWRtaW4="},
        {"Authorization": "Bearer " + "x" * 500},
    ]
    visits = Appointment.select().count()
    for method, path, body, _ in TABLE:
        url = path.replace("{visit}", "1").replace(
            "{patient}", str(clinic["patient"].id)
        )
        for headers in attempts:
            response = await api_client.request(method, url, json=body, headers=headers)
            if path in PUBLIC:
                assert response.status == 200
                continue
            assert response.status == 401, (url, headers, await response.text())
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
            assert (await response.json())["error"]["code"] == "unauthorized"
    assert Appointment.select().count() == visits


async def test_every_route_is_in_the_table(api_client):
    """Every /api/v1 route is tested above and gated as its operation says."""
    tested = {(m, p.split("?")[0]) for m, p, _, _ in TABLE}
    served = set()
    for route in api_client.app.router.routes():
        path = route.resource.canonical if route.resource else ""
        if not path.startswith("/api/v1/") or route.method == "HEAD":
            continue
        shown = path.replace(
            "{id}", "{visit}" if "appointments" in path else "{patient}"
        )
        served.add((route.method, shown))
        roles = getattr(route.handler, "api_roles", None)
        assert roles is not None, f"{path} is not behind api_allow or api_public"
    assert served == tested
    gated = {(op.method, op.url): op.roles for op in OPERATIONS}
    for route in api_client.app.router.routes():
        key = (route.method, route.resource.canonical)
        if key in gated:
            assert route.handler.api_roles == gated[key]
