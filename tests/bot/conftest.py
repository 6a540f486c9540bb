"""Channel test layers: fake provider servers on 127.0.0.1, settings, a gateway."""

from __future__ import annotations

import dataclasses

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from twilio.request_validator import RequestValidator

from bot.routes import setup_channels
from console.keys import CLOCK, GATEWAY, SETTINGS
from core.settings import Settings
from core.storage.gateway import Gateway
from tests.bot.fakes import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    BOT_TOKEN,
    FROM_NUMBER,
    FakeTelegram,
    FakeTwilio,
)
from tests.factories import make_policy

PUBLIC_URL = "https://clinic.example.org"
MAX_BODY = 64 * 1024  # as console.app.create_app sets it


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


def channel_app(settings: Settings, gateway: Gateway, clock) -> web.Application:
    """The channels on their own, as create_app wires them (console left out)."""
    app = web.Application(client_max_size=MAX_BODY)
    app[SETTINGS] = settings
    app[CLOCK] = clock
    app[GATEWAY] = gateway
    setup_channels(app)
    return app


@pytest.fixture
async def client(gateway, aiohttp_client, settings, now):
    # gateway first: it must outlive the app, whose cleanup still uses it.
    make_policy()
    return await aiohttp_client(channel_app(settings, gateway, lambda: now))


def sign(params: dict, url: str, token: str = AUTH_TOKEN) -> str:
    """The X-Twilio-Signature Twilio would send, from twilio's own validator."""
    return RequestValidator(token).compute_signature(url, params)


async def twilio_post(
    client,
    path: str,
    params: dict,
    *,
    url: str | None = None,
    token: str = AUTH_TOKEN,
    headers: dict | None = None,
):
    """POST a form to path, signed exactly as Twilio signs it (public URL + path)."""
    signature = sign(params, url or PUBLIC_URL + path, token)
    return await client.post(
        path, data=params, headers={"X-Twilio-Signature": signature, **(headers or {})}
    )
