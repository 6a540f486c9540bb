"""Tokens on /api/v1: rate limited per token (429 + Retry-After), last use kept."""

from __future__ import annotations

from console.app import create_app
from core.clock import from_db
from core.integrations import tokens
from core.models import ApiToken
from tests.api.conftest import api_settings, bearer


async def test_rate_limit_answers_429_with_retry_after(
    aiohttp_client, database, clinic, clock, token_for
):
    settings = api_settings(database, api_rate_per_second=0.5, api_rate_burst=3)
    client = await aiohttp_client(create_app(settings, role="web", clock=clock))
    limited, other = bearer(token_for("read")), bearer(token_for("read"))
    statuses = [
        (await client.get("/api/v1/departments", headers=limited)).status
        for _ in range(3)
    ]
    assert statuses == [200, 200, 200]
    refused = await client.get("/api/v1/departments", headers=limited)
    assert refused.status == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert (await refused.json())["error"]["code"] == "rate_limited"
    # The limit is per token: another one is served.
    assert (await client.get("/api/v1/departments", headers=other)).status == 200


async def test_last_used_at_is_recorded(api_client, now, clock):
    token_id, token = tokens.create("site", "read", now)
    assert ApiToken.get_by_id(token_id).last_used_at is None
    clock.advance(minutes=5)
    response = await api_client.get("/api/v1/doctors", headers=bearer(token))
    assert response.status == 200
    assert from_db(ApiToken.get_by_id(token_id).last_used_at) == clock.now


async def test_a_revoked_token_stops_working(api_client, now):
    token_id, token = tokens.create("site", "admin", now)
    assert (
        await api_client.get("/api/v1/doctors", headers=bearer(token))
    ).status == 200
    tokens.revoke(token_id, now)
    assert (
        await api_client.get("/api/v1/doctors", headers=bearer(token))
    ).status == 401
