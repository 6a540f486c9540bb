"""GET /health checks the database for real."""

from __future__ import annotations

from console.app import create_app
from core.settings import Settings


async def test_health_reports_database_and_version(aiohttp_client, tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'h.db'}", demo=True)
    client = await aiohttp_client(create_app(settings))
    response = await client.get("/health")
    assert response.status == 200
    body = await response.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert set(body) == {"status", "database", "scheduler", "version"}


async def test_health_is_degraded_when_the_database_is_gone(aiohttp_client, tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'h.db'}", demo=True)
    app = create_app(settings)
    client = await aiohttp_client(app)
    (tmp_path / "h.db").unlink()
    (tmp_path / "h.db").mkdir()  # the path is now unusable as a database
    from console.keys import GATEWAY
    from core.storage.db import db

    await app[GATEWAY].run(db.close)
    response = await client.get("/health")
    assert response.status == 503
    assert (await response.json())["database"].startswith("error")
