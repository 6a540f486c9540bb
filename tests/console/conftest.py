"""Console test layers: database -> app with a fake clock -> client -> logins."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from console.app import create_app
from core.settings import Settings
from core.staff.accounts import create_staff
from tests.console.browser import serving
from tests.factories import make_doctor, make_patient, make_policy

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class FakeClock:
    """Aware UTC now that tests move by hand."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock(now):
    return FakeClock(now)


@pytest.fixture
def clinic(database):
    """A doctor with a login, a second doctor, a patient, and one user per role."""
    make_policy(timezone="UTC", min_notice_minutes=0)
    doctor = make_doctor(name="Dr. Own")
    other = make_doctor(name="Dr. Other")
    patient = make_patient(name="Ana Lopez")
    users = {
        "admin": create_staff("admin@clinic.test", PASSWORD, "admin", rounds=4),
        "staff": create_staff("staff@clinic.test", PASSWORD, "staff", rounds=4),
        "doctor": create_staff(
            "doctor@clinic.test", PASSWORD, "doctor", doctor.id, rounds=4
        ),
    }
    return {"doctor": doctor, "other": other, "patient": patient, "users": users}


@pytest.fixture
async def client(aiohttp_client, database, clinic, clock):
    settings = Settings(database_url=database, secret_key="test-secret-key-0123456789")
    app = create_app(settings, role="web", clock=clock)
    return await aiohttp_client(app)


async def csrf_of(client, path: str = "/login") -> str:
    response = await client.get(path)
    match = CSRF.search(await response.text())
    assert match, f"no CSRF token on {path}"
    return match.group(1)


async def login(client, role: str, password: str = PASSWORD):
    token = await csrf_of(client)
    return await client.post(
        "/login",
        data={"email": f"{role}@clinic.test", "password": password, "csrf": token},
        allow_redirects=False,
    )


@pytest.fixture
def login_as(client):
    async def _login(role: str) -> str:
        response = await login(client, role)
        assert response.status == 303, await response.text()
        return await csrf_of(client, "/password")

    return _login


@pytest.fixture
async def base(database, clinic, clock):
    """The console for `clinic` served on 127.0.0.1, for the Chromium journeys."""
    settings = Settings(database_url=database, secret_key="browser-secret-key-123")
    async with serving(create_app(settings, role="web", clock=clock)) as url:
        yield url
