"""Sign-in, sessions, CSRF and lockout against the real app and database."""

from __future__ import annotations

import datetime as dt

from console.app import create_app
from console.session import COOKIE, Session, SessionCodec
from core.models import Appointment, LoginThrottle, StaffUser
from core.settings import Settings
from tests.console.conftest import PASSWORD, csrf_of, login


def _failures(email: str, address: str = "127.0.0.1") -> int:
    """Attempts counted against email from address (the test client's)."""
    row = LoginThrottle.get_or_none(
        LoginThrottle.email == email, LoginThrottle.address == address
    )
    return row.failures if row else 0


async def test_login_sets_a_hardened_cookie_and_rotates_csrf(client):
    anonymous_token = await csrf_of(client)
    response = await login(client, "staff")
    assert response.status == 303
    cookie = response.cookies[COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert not cookie["secure"]  # the test app has no https public URL
    assert await csrf_of(client, "/password") != anonymous_token


async def test_wrong_password_is_refused_and_logged_without_it(client, caplog):
    response = await login(client, "staff", password="wrong password 123")
    assert response.status == 401
    assert "Wrong email or password" in await response.text()
    assert "wrong password 123" not in caplog.text
    assert "console login failed" in caplog.text
    assert (await client.get("/", allow_redirects=False)).status == 302


async def test_failures_slow_down_then_lock(client, clock):
    for _ in range(4):
        assert (await login(client, "staff", password="nope nope nope")).status == 401
    # The 4th failure makes the next attempt wait, even with the right password.
    assert (await login(client, "staff")).status == 429
    for failures in range(4, 10):
        clock.advance(seconds=2 ** (failures - 3))  # exactly the wait asked for
        response = await login(client, "staff", password="nope nope nope")
        assert response.status == 401, failures
    assert _failures("staff@clinic.test") == 10
    clock.advance(minutes=14)
    assert (await login(client, "staff")).status == 429
    clock.advance(minutes=2)
    assert (await login(client, "staff")).status == 303
    assert _failures("staff@clinic.test") == 0


async def test_tampered_or_forged_cookie_is_anonymous(client, login_as, clinic, clock):
    await login_as("staff")
    jar = client.session.cookie_jar
    value = next(c.value for c in jar if c.key == COOKIE)
    admin = clinic["users"]["admin"]
    stamp = f"{admin.password_changed_at.isoformat()}|0"
    forged_elsewhere = SessionCodec("some-other-secret-key-xyz", clock).dumps(
        Session("t", admin.id, stamp)
    )
    for forged in (
        value[:-2] + ("xx" if not value.endswith("xx") else "yy"),
        forged_elsewhere,
    ):
        jar.clear()
        jar.update_cookies({COOKIE: forged})
        response = await client.get("/", allow_redirects=False)
        assert response.status == 302 and "/login" in response.headers["Location"]


async def test_session_expires_after_inactivity(client, login_as, clock):
    await login_as("staff")
    clock.advance(minutes=50)
    assert (await client.get("/", allow_redirects=False)).status == 200
    clock.advance(minutes=50)  # the visit above slid the window
    assert (await client.get("/", allow_redirects=False)).status == 200
    clock.advance(minutes=61)
    assert (await client.get("/", allow_redirects=False)).status == 302


async def test_logout_kills_copies_of_the_cookie(client, login_as, aiohttp_client):
    token = await login_as("staff")
    value = next(c.value for c in client.session.cookie_jar if c.key == COOKIE)
    response = await client.post("/logout", data={"csrf": token}, allow_redirects=False)
    assert response.status == 303
    client.session.cookie_jar.clear()
    client.session.cookie_jar.update_cookies({COOKIE: value})  # a stolen copy
    assert (await client.get("/", allow_redirects=False)).status == 302


async def test_password_change_ends_other_sessions(client, login_as, aiohttp_client):
    other = await aiohttp_client(client.server)
    assert (await login(other, "staff")).status == 303
    token = await login_as("staff")
    new = "a brand new password"
    response = await client.post(
        "/password",
        data={"csrf": token, "current": PASSWORD, "new": new, "confirm": new},
        allow_redirects=False,
    )
    assert response.status == 303
    assert (await client.get("/", allow_redirects=False)).status == 200
    assert (await other.get("/", allow_redirects=False)).status == 302
    await other.close()


async def test_wrong_current_password_changes_nothing(client, login_as):
    token = await login_as("staff")
    before = StaffUser.get(StaffUser.email == "staff@clinic.test").password_hash
    response = await client.post(
        "/password",
        data={
            "csrf": token,
            "current": "not it at all",
            "new": "x" * 12,
            "confirm": "x" * 12,
        },
    )
    assert response.status == 400
    assert StaffUser.get(StaffUser.email == "staff@clinic.test").password_hash == before


async def test_guessing_the_current_password_slows_down_like_login(client, login_as):
    token = await login_as("staff")
    form = {"csrf": token, "current": "guess", "new": "x" * 12, "confirm": "x" * 12}
    statuses = [(await client.post("/password", data=form)).status for _ in range(5)]
    assert statuses[:4] == [400] * 4 and statuses[4] == 429
    assert _failures("staff@clinic.test") == 4


async def test_csrf_missing_or_wrong_is_403_and_changes_nothing(
    client, login_as, clinic, now
):
    await login_as("staff")
    doctor, patient = clinic["doctor"], clinic["patient"]
    start = (now + dt.timedelta(days=1)).replace(hour=10).isoformat()
    form = {"doctor": doctor.id, "patient": patient.id, "start": start}
    for extra in ({}, {"csrf": "forged-token"}):
        response = await client.post("/appointments", data={**form, **extra})
        assert response.status == 403
    assert Appointment.select().count() == 0


async def test_csrf_of_another_session_is_refused(
    client, login_as, aiohttp_client, clinic
):
    other = await aiohttp_client(client.server)
    assert (await login(other, "admin")).status == 303
    foreign = await csrf_of(other, "/password")
    await login_as("staff")
    response = await client.post(
        "/logout", data={"csrf": foreign}, allow_redirects=False
    )
    assert response.status == 403
    await other.close()


async def test_security_headers_on_pages_and_errors(client):
    for path in ("/login", "/no-such-page"):
        response = await client.get(path)
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.status == 404
    assert "Page not found" in await response.text()


async def test_cookie_is_secure_behind_an_https_public_url(
    aiohttp_client, database, clinic
):
    settings = Settings(
        database_url=database,
        secret_key="test-secret-key-0123456789",
        public_url="https://clinic.example",
    )
    client = await aiohttp_client(create_app(settings, role="web"))
    response = await client.get("/login")
    assert response.cookies[COOKIE]["secure"]


async def test_login_without_csrf_is_refused(client):
    await client.get("/login")
    response = await client.post(
        "/login", data={"email": "staff@clinic.test", "password": PASSWORD}
    )
    assert response.status == 403
    assert (await client.get("/", allow_redirects=False)).status == 302
