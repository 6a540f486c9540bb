"""API test layers: the console's clinic -> app with a fake clock -> client -> tokens.

Shared by every API test (JSON, FHIR, webhooks): `api_client` is an aiohttp
test client of the full web app; `token_for(role)` makes a real token
(admin, staff, doctor or read) and `bearer(token)` the header that sends it.
"""

from __future__ import annotations

import datetime as dt

import pytest

from console.app import create_app
from core.audit import Actor
from core.clinic import booking
from core.clinic.calendar import next_slots
from core.integrations import tokens
from core.policy import load_policy
from core.settings import Settings
from tests.console.conftest import FakeClock, clinic, clock  # noqa: F401

SECRET = "test-secret-key-0123456789"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def api_settings(database: str, **overrides) -> Settings:
    """Settings for an API test app; overrides e.g. api_rate_per_second=1."""
    return Settings(database_url=database, secret_key=SECRET, **overrides)


@pytest.fixture
def token_for(database, now):
    """token_for(role) -> a new bearer token of that role (one per call)."""

    def make(role: str, name: str | None = None) -> str:
        _, token = tokens.create(name or f"test {role}", role, now)
        return token

    return make


@pytest.fixture
async def api_client(aiohttp_client, database, clinic, clock):  # noqa: F811
    """The full web app (clinic from tests/console/conftest) behind a test client."""
    app = create_app(api_settings(database), role="web", clock=clock)
    return await aiohttp_client(app)


def book_visit(clinic, now, start=None, doctor=None):  # noqa: F811
    """A scheduled visit of the clinic's patient (default: the doctor's next free
    slot from Tue 24 Nov, so each call books another time)."""
    doctor_id = (doctor or clinic["doctor"]).id
    policy = load_policy()
    if start is None:
        ((start, _),) = next_slots(
            [doctor_id], policy, now, 1, policy.slot, dt.date(2026, 11, 24)
        )
    return booking.book(
        patient_id=clinic["patient"].id,
        doctor_id=doctor_id,
        start=start,
        policy=policy,
        now=now,
        actor=Actor("staff", clinic["users"]["staff"].id),
    )
