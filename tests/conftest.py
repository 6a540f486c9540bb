"""Test layers: a real database (SQLite file, and PostgreSQL when configured)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os

import peewee
import pytest
from aiohttp.test_utils import TestServer

from core.storage.db import db, open_database
from core.storage.migrate import migrate
from core.storage.prepared import Prepared
from tests.bot.fakes import FakeTelegram, FakeTwilio
from tests.smtp import SmtpServer, smtp_listening

PG_URL = os.environ.get("CLINICBOT_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite"] + (["postgres"] if PG_URL else [])


def _reset_postgres() -> None:
    """Start every PostgreSQL test from the migrated, empty schema."""
    database = open_database(PG_URL)
    database.execute_sql("DROP SCHEMA IF EXISTS public CASCADE")
    database.execute_sql("CREATE SCHEMA public")
    migrate()


@pytest.fixture(params=BACKENDS)
def database(request, tmp_path):
    """A migrated database on each configured backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'clinic.db'}"
        open_database(url)
        migrate()
    else:
        url = PG_URL
        _reset_postgres()
    yield url
    db.close()


@pytest.fixture
def sqlite_database(tmp_path):
    """A migrated SQLite file, for tests that do not vary by backend."""
    url = f"sqlite:///{tmp_path / 'clinic.db'}"
    open_database(url)
    migrate()
    yield url
    db.close()


@pytest.fixture
def now():
    """A fixed Monday morning, 2026-11-23 08:00 UTC."""
    return dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True, scope="session")
def prepared_statements_checked_on_every_call():
    """Every prepared statement is built again and compared, on every call.

    A builder whose SQL depends on a value the cache does not key on would
    otherwise run another query's SQL; here it fails the test that reached it.
    """
    Prepared.verify = True
    yield
    Prepared.verify = False


@pytest.fixture
def sql_builds(monkeypatch):
    """A list that grows by one each time peewee builds a statement from here on."""
    built: list[int] = []
    build = peewee.Database.get_sql_context
    monkeypatch.setattr(Prepared, "verify", False)  # it builds every call
    monkeypatch.setattr(
        peewee.Database,
        "get_sql_context",
        lambda self, **options: built.append(1) or build(self, **options),
    )
    return built


# Local fake provider servers (tests/bot/fakes.py), for any test that sends.
@contextlib.asynccontextmanager
async def _served(fake):
    """The fake on a free loopback port, its base_url set."""
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    fake.base_url = str(server.make_url("")).rstrip("/")
    try:
        yield fake
    finally:
        await server.close()


@pytest.fixture
async def fake_twilio():
    async with _served(FakeTwilio()) as fake:
        yield fake


@pytest.fixture
async def fake_telegram():
    async with _served(FakeTelegram()) as fake:
        yield fake


@pytest.fixture
def smtp_server() -> SmtpServer:
    """An SMTP server on loopback (tests/smtp.py): .url to send, .messages sent."""
    with smtp_listening() as server:
        yield server
