"""Channel test layers: fake provider servers on 127.0.0.1, settings, a gateway."""

from __future__ import annotations

import dataclasses

import pytest
from aiohttp.test_utils import TestServer

from core.gateway import Gateway
from core.settings import Settings
from tests.bot.fakes import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    BOT_TOKEN,
    FROM_NUMBER,
    FakeTelegram,
    FakeTwilio,
)

PUBLIC_URL = "https://clinic.example.org"


@pytest.fixture
async def fake_twilio():
    fake = FakeTwilio()
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    fake.base_url = str(server.make_url("")).rstrip("/")
    yield fake
    await server.close()


@pytest.fixture
async def fake_telegram():
    fake = FakeTelegram()
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    fake.base_url = str(server.make_url("")).rstrip("/")
    yield fake
    await server.close()


def make_settings(database_url: str, **overrides) -> Settings:
    base = Settings(
        database_url=database_url,
        secret_key="s" * 32,
        public_url=PUBLIC_URL,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_from_number=FROM_NUMBER,
        telegram_bot_token=BOT_TOKEN,
        telegram_webhook_secret="webhook-secret-123",
    )
    return dataclasses.replace(base, **overrides)


@pytest.fixture
def settings(database, fake_twilio, fake_telegram):
    """Settings with both providers pointed at the local fakes."""
    return make_settings(
        database,
        twilio_api_base_url=fake_twilio.base_url,
        telegram_api_base_url=fake_telegram.base_url,
    )


@pytest.fixture
def gateway(database):
    gateway = Gateway()
    yield gateway
    gateway.close()
