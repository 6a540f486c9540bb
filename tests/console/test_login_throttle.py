"""Password guessing against the running console: bursts, other addresses, a ceiling.

The attackers are real HTTP clients; each "address" is a client bound to
its own loopback address (127.0.0.x), which the server sees as request.remote.
"""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp
import pytest
from yarl import URL

import console.login_views
from core.models import AuditLog, LoginThrottle
from core.staff import throttle
from tests.console.conftest import CSRF, PASSWORD, login

STAFF = "staff@clinic.test"


@pytest.fixture
def bcrypt_checks(monkeypatch):
    """Every password check the login form runs, in order (real bcrypt still runs)."""
    checked: list[str] = []
    real = console.login_views.check_password

    def counting(password: str, hashed: str) -> bool:
        checked.append(password)
        return real(password, hashed)

    monkeypatch.setattr(console.login_views, "check_password", counting)
    return checked


class Browser:
    """A client from its own address, with its own cookies and CSRF token."""

    def __init__(self, client, address: str) -> None:
        self.base = client.make_url("")
        connector = aiohttp.TCPConnector(local_addr=(address, 0), force_close=True)
        self.session = aiohttp.ClientSession(
            connector=connector, cookie_jar=aiohttp.CookieJar(unsafe=True)
        )
        self.token = ""

    async def open(self) -> Browser:
        async with self.session.get(self.base.join(URL("/login"))) as r:
            self.token = CSRF.search(await r.text()).group(1)
        return self

    async def sign_in(self, password: str, email: str = STAFF) -> int:
        form = {"email": email, "password": password, "csrf": self.token}
        async with self.session.post(
            self.base.join(URL("/login")),
            data=form,
            allow_redirects=False,
        ) as response:
            return response.status

    async def close(self) -> None:
        await self.session.close()


@contextlib.asynccontextmanager
async def browsers(client, *addresses: str):
    opened = [await Browser(client, a).open() for a in addresses]
    try:
        yield opened
    finally:
        for browser in opened:
            await browser.close()


async def test_a_burst_of_50_guesses_reaches_bcrypt_at_most_four_times(
    client, bcrypt_checks
):
    async with browsers(client, "127.0.0.2") as (attacker,):
        guesses = [f"guess number {i}" for i in range(49)] + [PASSWORD]
        statuses = await asyncio.gather(*(attacker.sign_in(g) for g in guesses))
        assert len(bcrypt_checks) <= throttle.FREE_ATTEMPTS + 1, bcrypt_checks
        assert PASSWORD not in bcrypt_checks  # the right guess was never tried
        assert statuses[-1] == 429 and 303 not in statuses
        assert statuses.count(429) >= 50 - (throttle.FREE_ATTEMPTS + 1)
        # Right after the burst the right password is still refused.
        assert await attacker.sign_in(PASSWORD) == 429
        assert PASSWORD not in bcrypt_checks


async def test_the_burst_does_not_lock_out_the_workstation(client, bcrypt_checks):
    async with browsers(client, "127.0.0.2", "127.0.0.3") as (attacker, desk):
        await asyncio.gather(*(attacker.sign_in(f"guess {i}") for i in range(50)))
        assert await desk.sign_in(PASSWORD) == 303
        # The desk's success does not clear the attacker's own penalty.
        assert await attacker.sign_in(PASSWORD) == 429


async def test_many_addresses_reach_the_ceiling_and_admins_are_told(
    client, bcrypt_checks, login_as
):
    addresses = [f"127.0.0.{10 + i}" for i in range(8)]
    async with browsers(client, *addresses) as attackers:
        for attacker in attackers:  # 4 counted attempts each before the wait
            for i in range(4):
                await attacker.sign_in(f"wrong {i}")
        total = LoginThrottle.get(
            LoginThrottle.email == STAFF, LoginThrottle.address == throttle.ACCOUNT
        ).failures
        assert total >= throttle.ACCOUNT_CEILING
    async with browsers(client, "127.0.0.99") as (desk,):
        assert await desk.sign_in(PASSWORD) == 429  # locked for everyone now
    audit = AuditLog.get(AuditLog.action == "login.locked_out")
    assert '"scope": "account"' in audit.detail and STAFF in audit.detail
    await login_as("admin")
    board = await (await client.get("/today/board")).text()
    assert "Sign-ins locked out" in board and STAFF in board
    assert "locked for everyone" in board


async def test_unknown_email_gets_the_same_answers_and_checks(client, bcrypt_checks):
    async with browsers(client, "127.0.0.4") as (guesser,):
        known = [await guesser.sign_in("wrong wrong") for _ in range(6)]
        known_checks = len(bcrypt_checks)
        unknown = [
            await guesser.sign_in("wrong wrong", email="nobody@clinic.test")
            for _ in range(6)
        ]
    assert known == unknown == [401, 401, 401, 401, 429, 429]
    assert len(bcrypt_checks) - known_checks == known_checks == 4


async def test_a_success_resets_the_count(client, clock):
    for _ in range(3):
        assert (await login(client, "staff", password="not the password")).status == 401
    assert (await login(client, "staff")).status == 303
    assert not LoginThrottle.select().where(LoginThrottle.email == STAFF).exists()


async def test_a_locked_out_login_is_shown_and_an_admin_save_lifts_it(
    client, clock, clinic, login_as
):
    async with browsers(client, "127.0.0.5") as (desk,):
        for failures in range(throttle.LOCK_AFTER):
            assert await desk.sign_in("still not it") == 401
            if failures >= throttle.FREE_ATTEMPTS:
                clock.advance(seconds=2 ** (failures + 1 - throttle.FREE_ATTEMPTS))
        token = await login_as("admin")
        page = await (await client.get("/staff")).text()
        assert "sign-in locked from 127.0.0.5" in page
        assert await desk.sign_in(PASSWORD) == 429
        staff = clinic["users"]["staff"]
        saved = await client.post(
            f"/staff/{staff.id}",
            data={"csrf": token, "role": "staff", "active": "on"},
            allow_redirects=False,
        )
        assert saved.status == 303
        assert "sign-in locked" not in await (await client.get("/staff")).text()
        assert await desk.sign_in(PASSWORD) == 303
