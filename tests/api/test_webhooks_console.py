"""The admin's webhooks page: register (secret shown once), pause, delete, replay."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from console.app import create_app
from core import audit
from core.clinic import booking
from core.integrations import deliveries
from core.models import WebhookDelivery, WebhookEndpoint
from core.policy import load_policy
from core.settings import Settings
from tests.console.conftest import csrf_of, login

pytestmark = pytest.mark.postgres

SECRET = re.compile(r'value="(whsec_[^"]+)"')
EVENTS = ["appointment.booked", "appointment.cancelled"]


def _settings(database: str, allow_private: bool) -> Settings:
    return Settings(
        database_url=database,
        secret_key="test-secret-key-0123456789",
        webhooks_allow_private=allow_private,
    )


@pytest.fixture
async def admin(aiohttp_client, database, clinic, clock):
    """A test client of the web app, signed in as the admin; .csrf is its token."""
    client = await aiohttp_client(
        create_app(_settings(database, False), role="web", clock=clock)
    )
    assert (await login(client, "admin")).status == 303
    client.csrf = await csrf_of(client, "/password")
    return client


async def test_an_admin_registers_and_sees_the_secret_once(admin):
    response = await admin.post(
        "/settings/webhooks",
        data={
            "csrf": admin.csrf,
            "url": "https://ehr.example.com/clinicbot",
            "events": EVENTS,
            "description": "Practice system",
        },
    )
    assert response.status == 200
    page = await response.text()
    [secret] = SECRET.findall(page)
    endpoint = WebhookEndpoint.get()
    assert endpoint.secret == secret  # the one that signs its deliveries
    assert endpoint.events == " ".join(EVENTS)
    assert endpoint.description == "Practice system"
    reloaded = await (await admin.get("/settings/webhooks")).text()
    assert "https://ehr.example.com/clinicbot" in reloaded
    assert secret not in reloaded and "whsec_" not in reloaded


BAD_FORMS = [
    ({"url": "http://ehr.example.com/", "events": EVENTS}, "https://"),
    ({"url": "https://192.168.0.4/", "events": EVENTS}, "private network"),
    ({"url": "https://localhost:8443/", "events": EVENTS}, "localhost"),
    ({"url": "https://ehr.example.com/"}, "at least one event"),
    ({"url": "https://ehr.example.com/", "events": ["appointment.x"]}, "Unknown"),
    ({"url": "", "events": EVENTS}, "URL"),
]


async def test_bad_input_is_a_clear_400_and_saves_nothing(admin):
    for form, message in BAD_FORMS:
        response = await admin.post(
            "/settings/webhooks", data={"csrf": admin.csrf, **form}
        )
        assert response.status == 400, form
        page = await response.text()
        assert message in page and 'id="webhook-error"' in page, form
        assert form["url"] in page  # the form comes back filled in
    assert WebhookEndpoint.select().count() == 0


async def test_the_allow_private_install_accepts_a_local_url(
    aiohttp_client, database, clinic, clock
):
    client = await aiohttp_client(
        create_app(_settings(database, True), role="web", clock=clock)
    )
    await login(client, "admin")
    token = await csrf_of(client, "/password")
    response = await client.post(
        "/settings/webhooks",
        data={"csrf": token, "url": "http://127.0.0.1:9000/", "events": EVENTS},
    )
    assert response.status == 200
    assert WebhookEndpoint.get().url == "http://127.0.0.1:9000/"


async def test_without_csrf_nothing_is_saved(admin):
    form = {"url": "https://ehr.example.com/", "events": EVENTS}
    response = await admin.post("/settings/webhooks", data=form)
    assert response.status == 403
    assert WebhookEndpoint.select().count() == 0


async def test_other_roles_are_refused(api_client):
    client = api_client
    for role in ("staff", "doctor"):
        client.session.cookie_jar.clear()
        assert (await login(client, role)).status == 303
        token = await csrf_of(client, "/password")
        assert (await client.get("/settings/webhooks")).status == 403
        form = {"csrf": token, "url": "https://ehr.example.com/", "events": EVENTS}
        assert (await client.post("/settings/webhooks", data=form)).status == 403
    assert WebhookEndpoint.select().count() == 0


async def test_pause_resume_delete_and_replay(admin, clinic, now):
    await admin.post(
        "/settings/webhooks",
        data={"csrf": admin.csrf, "url": "https://ehr.example.com/", "events": EVENTS},
    )
    endpoint = WebhookEndpoint.get()
    visit = booking.book(
        patient_id=clinic["patient"].id,
        doctor_id=clinic["doctor"].id,
        start=(now + dt.timedelta(days=1)).replace(hour=10),
        policy=load_policy(),
        now=now,
        actor=audit.Actor("staff", 1),
    )
    [claimed] = deliveries.due(now)
    deliveries.record(claimed.id, False, 503, "busy, try later", now)
    page = await (await admin.get("/settings/webhooks")).text()
    assert "appointment.booked" in page and "HTTP 503" in page
    assert "busy, try later" in page and f"delivery-{claimed.id}" in page
    assert "Dr. Own" not in page and str(visit.id) in WebhookDelivery.get().body

    replay = await admin.post(
        f"/settings/webhooks/deliveries/{claimed.id}/replay",
        data={"csrf": admin.csrf},
        allow_redirects=False,
    )
    assert replay.status == 303
    row = WebhookDelivery.get()
    assert (row.status, row.attempts) == ("pending", 0)

    paused = await admin.post(
        f"/settings/webhooks/{endpoint.id}/active",
        data={"csrf": admin.csrf},
        allow_redirects=False,
    )
    assert paused.status == 303
    assert not WebhookEndpoint.get().active
    assert (
        "Endpoint paused" in await (await admin.get(paused.headers["Location"])).text()
    )
    await admin.post(
        f"/settings/webhooks/{endpoint.id}/active",
        data={"csrf": admin.csrf, "active": "on"},
    )
    assert WebhookEndpoint.get().active

    gone = await admin.post(
        f"/settings/webhooks/{endpoint.id}/delete",
        data={"csrf": admin.csrf},
        allow_redirects=False,
    )
    assert gone.status == 303
    assert WebhookEndpoint.select().count() == 0
    assert WebhookDelivery.select().count() == 0  # its log went with it
