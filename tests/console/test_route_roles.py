"""Every console route x every role gets exactly the expected status.

Allowed roles get past the gate and then meet validation (400), a missing
thing (404), a redirect after success (303) or a page (200); refused ones get
a login redirect (anonymous GET), 403 (anonymous POST, wrong role), or 404
for another doctor's visit or patient, which a doctor must not learn exists.
"""

from __future__ import annotations

import datetime as dt

import pytest

from console.auth import PROBES, PUBLIC
from core import audit
from core.clinic import booking
from core.policy import load_policy
from tests.console.conftest import csrf_of, login
from tests.factories import make_patient

ROLES = ("anonymous", "doctor", "staff", "admin")
# Served without a login (CSRF still checked on POST): signing in, and
# getting back in with a password-reset link.
PUBLIC_PATHS = {"/login", "/password/forgot", "/password/reset/{token}"}

# (method, path, {role: status}); {own}/{other} = visits of the doctor's own
# patient and of another doctor's patient; {doctor}/{other_doctor} doctors.
TABLE = [
    ("GET", "/login", (200, 302, 302, 302)),
    ("POST", "/login", (400, 400, 400, 400)),
    ("GET", "/password", (302, 200, 200, 200)),
    ("POST", "/password", (403, 400, 400, 400)),
    ("GET", "/password/forgot", (200, 200, 200, 200)),
    ("POST", "/password/forgot", (400, 400, 400, 400)),
    ("GET", "/password/reset/{token}", (410, 410, 410, 410)),
    ("POST", "/password/reset/{token}", (410, 410, 410, 410)),
    ("POST", "/staff/{staff_user}/password", (403, 403, 403, 400)),
    ("GET", "/", (302, 200, 200, 200)),
    ("GET", "/today/board", (302, 200, 200, 200)),
    ("GET", "/calendar", (302, 200, 200, 200)),
    ("GET", "/calendar?view=week", (302, 200, 200, 200)),
    ("GET", "/calendar?move={own}", (302, 403, 200, 200)),
    ("GET", "/appointments/new", (302, 403, 200, 200)),
    ("POST", "/appointments", (403, 403, 400, 400)),
    ("GET", "/appointments/{own}", (302, 200, 200, 200)),
    ("GET", "/appointments/{other}", (302, 404, 200, 200)),
    ("POST", "/appointments/{own}/confirm", (403, 303, 303, 303)),
    ("POST", "/appointments/{other}/confirm", (403, 404, 303, 303)),
    ("POST", "/appointments/{own}/reschedule", (403, 403, 400, 400)),
    ("POST", "/appointments/{own}/cancel", (403, 400, 400, 400)),
    ("POST", "/appointments/{own}/note", (403, 403, 303, 303)),
    ("GET", "/doctors", (302, 403, 200, 200)),
    ("POST", "/doctors", (403, 403, 400, 400)),
    ("GET", "/doctors/{doctor}", (302, 403, 200, 200)),
    ("POST", "/doctors/{other_doctor}", (403, 403, 400, 400)),
    ("POST", "/doctors/{other_doctor}/active", (403, 403, 303, 303)),
    ("POST", "/doctors/{other_doctor}/hours", (403, 403, 200, 200)),
    ("POST", "/doctors/{other_doctor}/time-off", (403, 403, 400, 400)),
    ("POST", "/doctors/{other_doctor}/time-off/999/delete", (403, 403, 404, 404)),
    ("POST", "/departments", (403, 403, 400, 400)),
    ("POST", "/departments/{department}", (403, 403, 400, 400)),
    ("POST", "/departments/{department}/active", (403, 403, 303, 303)),
    ("POST", "/visit-types", (403, 403, 400, 400)),
    ("POST", "/visit-types/{visit_type}", (403, 403, 400, 400)),
    ("POST", "/closures", (403, 403, 400, 400)),
    ("POST", "/closures/999/delete", (403, 403, 404, 404)),
    ("GET", "/patients?q=Lopez", (302, 200, 200, 200)),
    ("GET", "/patients/{own_patient}", (302, 200, 200, 200)),
    ("GET", "/patients/{other_patient}", (302, 404, 200, 200)),
    ("POST", "/patients/{own_patient}/reply", (403, 403, 400, 400)),
    ("POST", "/patients/{own_patient}/contact", (403, 403, 400, 400)),
    ("GET", "/inbox", (302, 403, 200, 200)),
    ("POST", "/inbox/999/resolve", (403, 403, 404, 404)),
    ("GET", "/inbox?c=999", (302, 403, 404, 404)),
    ("POST", "/inbox/999/reply", (403, 403, 404, 404)),
    ("POST", "/inbox/999/assign", (403, 403, 404, 404)),
    ("POST", "/inbox/999/unassign", (403, 403, 404, 404)),
    ("POST", "/inbox/999/unread", (403, 403, 404, 404)),
    ("GET", "/inbox/replies", (302, 403, 403, 200)),
    ("POST", "/inbox/replies", (403, 403, 403, 400)),
    ("POST", "/inbox/replies/999", (403, 403, 403, 400)),
    ("POST", "/inbox/replies/999/delete", (403, 403, 403, 404)),
    ("GET", "/waitlist", (302, 403, 200, 200)),
    ("POST", "/waitlist/999/remove", (403, 403, 404, 404)),
    ("GET", "/messages", (302, 403, 200, 200)),
    ("GET", "/audit", (302, 403, 200, 200)),
    ("GET", "/stats", (302, 403, 200, 200)),
    ("GET", "/stats.csv?table=by_status", (302, 403, 200, 200)),
    ("GET", "/simulator", (302, 403, 200, 200)),
    ("POST", "/simulator", (403, 403, 400, 400)),
    ("GET", "/settings", (302, 403, 403, 200)),
    ("POST", "/settings", (403, 403, 403, 400)),
    ("POST", "/settings/facts", (403, 403, 403, 400)),
    ("GET", "/settings/integrations", (302, 403, 403, 200)),
    ("POST", "/settings/integrations/tokens", (403, 403, 403, 400)),
    ("POST", "/settings/integrations/tokens/999/revoke", (403, 403, 403, 404)),
    ("POST", "/settings/integrations/feeds", (403, 403, 403, 400)),
    ("POST", "/settings/integrations/feeds/999/names", (403, 403, 403, 404)),
    ("POST", "/settings/integrations/feeds/999/revoke", (403, 403, 403, 404)),
    ("GET", "/settings/webhooks", (302, 403, 403, 200)),
    ("POST", "/settings/webhooks", (403, 403, 403, 400)),
    ("POST", "/settings/webhooks/999/active", (403, 403, 403, 404)),
    ("POST", "/settings/webhooks/999/delete", (403, 403, 403, 404)),
    ("POST", "/settings/webhooks/deliveries/999/replay", (403, 403, 403, 404)),
    ("GET", "/staff", (302, 403, 403, 200)),
    ("POST", "/staff", (403, 403, 403, 400)),
    ("POST", "/staff/{staff_user}", (403, 403, 403, 400)),
    ("GET", "/events", (302, 200, 200, 200)),
    ("POST", "/logout", (403, 303, 303, 303)),
]


@pytest.fixture
def ids(clinic, now):
    """Two booked visits: one with the logged-in doctor, one with another."""
    policy = load_policy()
    other_patient = make_patient(name="Bo Other")
    start = (now + dt.timedelta(days=1)).replace(hour=10)
    staff = audit.Actor("staff", clinic["users"]["staff"].id)
    own = booking.book(
        patient_id=clinic["patient"].id,
        doctor_id=clinic["doctor"].id,
        start=start,
        policy=policy,
        now=now,
        actor=staff,
    )
    other = booking.book(
        patient_id=other_patient.id,
        doctor_id=clinic["other"].id,
        start=start,
        policy=policy,
        now=now,
        actor=staff,
    )
    return {
        "own": own.id,
        "other": other.id,
        "doctor": clinic["doctor"].id,
        "other_doctor": clinic["other"].id,
        "department": clinic["other"].department_id,
        "visit_type": own.visit_type_id,
        "own_patient": clinic["patient"].id,
        "other_patient": other_patient.id,
        "staff_user": clinic["users"]["staff"].id,
        "token": "not-a-signed-token",
    }


async def test_every_route_for_every_role(client, ids):
    failures = []
    for method, template, expected in TABLE:
        path = template.format(**ids)
        for role, want in zip(ROLES, expected, strict=True):
            client.session.cookie_jar.clear()
            if role != "anonymous":
                assert (await login(client, role)).status == 303
            token = await csrf_of(
                client, "/login" if role == "anonymous" else "/password"
            )
            if method == "GET":
                response = await client.get(path, allow_redirects=False)
            else:
                response = await client.post(
                    path, data={"csrf": token}, allow_redirects=False
                )
            response.close()  # /events streams forever; headers are enough
            if response.status != want:
                failures.append(
                    f"{method} {path} as {role}: {response.status} != {want}"
                )
            if response.status == 302:
                assert "/login" in response.headers["Location"] or path == "/login"
    assert not failures, "\n".join(failures)


def test_every_console_route_is_gated_and_in_the_table(client):
    listed = {(m, t.split("?")[0]) for m, t, _ in TABLE}
    for route in client.server.app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter") or info.get("prefix", "")
        if (
            path.startswith(("/webhooks", "/static", "/api/", "/fhir/", "/feeds/"))
            or path in PROBES  # machines' routes, gated by themselves (test_probes)
            or route.method == "HEAD"
        ):
            continue
        handler = route.handler
        assert hasattr(handler, "allowed_roles"), (
            f"{route.method} {path} has no allow()"
        )
        if handler.allowed_roles == PUBLIC:
            assert path in PUBLIC_PATHS, f"{path} is public"
        generic = (
            path.replace("{id}", "{x}")
            .replace("{off}", "{x}")
            .replace("{action}", "confirm")
        )
        assert any(m == route.method and _same_shape(generic, t) for m, t in listed), (
            f"{route.method} {path} missing from the role table"
        )


def _same_shape(route_path: str, table_path: str) -> bool:
    a, b = route_path.strip("/").split("/"), table_path.strip("/").split("/")
    return len(a) == len(b) and all(
        x == y or x == "{x}" or (y.startswith("{") or y.isdigit()) and x.startswith("{")
        for x, y in zip(a, b, strict=True)
    )
