"""The channels inside the real application factory, as `serve --role web` runs them."""

from __future__ import annotations

from console.app import create_app
from console.keys import DISPATCHER, TELEGRAM
from core.models import Message
from tests.bot.conftest import twilio_post
from tests.bot.fakes import FakeTelegram


async def test_create_app_serves_the_channels(
    aiohttp_client, settings, fake_telegram: FakeTelegram, now
):
    app = create_app(settings, role="web", clock=lambda: now)
    client = await aiohttp_client(app)
    assert TELEGRAM in app and DISPATCHER in app
    assert fake_telegram.sent("setWebhook")

    params = {"MessageSid": "SM" + "7" * 32, "From": "+15551230001", "Body": "Hi"}
    response = await twilio_post(client, "/webhooks/twilio/sms", params)
    assert response.status == 200
    assert "<Message>" in await response.text()
    assert Message.select().where(Message.direction == "in").count() == 1
    assert (await client.get("/health")).status == 200
