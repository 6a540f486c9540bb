"""Channel test layers: fake provider servers on 127.0.0.1, settings, the app.

The app is the real one (create_app, as `serve --role web` builds it), so the
webhooks run on the gateway production uses: on SQLite the event loop with
group commit, on PostgreSQL the database thread.
"""

from __future__ import annotations

import dataclasses

import pytest
from aiohttp import web
from twilio.request_validator import RequestValidator

from console.app import create_app
from console.keys import DIALOG
from core.dialog.service import handle_inbound
from core.settings import Settings
from core.storage.gateway import Gateway
from tests.bot.fakes import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    BOT_TOKEN,
    FROM_NUMBER,
)
from tests.factories import make_policy

PUBLIC_URL = "https://clinic.example.org"


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
    """A database thread, for tests that drive the dispatcher without an app."""
    gateway = Gateway()
    yield gateway
    gateway.close()


class SwappableDialog:
    """The dialog the app runs: the real one, unless a test puts another in."""

    def __init__(self) -> None:
        self.run = handle_inbound

    def __call__(self, inbound, now, *, deliver):
        return self.run(inbound, now, deliver=deliver)


@pytest.fixture
def dialog():
    return SwappableDialog()


def channel_app(settings: Settings, clock, dialog=None) -> web.Application:
    """The whole web process, on the test's clock (and dialog, if given)."""
    app = create_app(settings, role="web", clock=clock)
    if dialog is not None:
        app[DIALOG] = dialog
    return app


@pytest.fixture
async def client(aiohttp_client, settings, now, dialog):
    make_policy()
    return await aiohttp_client(channel_app(settings, lambda: now, dialog))


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
