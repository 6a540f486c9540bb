"""GET /health: is the service able to do its work right now?"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from aiohttp import web

from console.keys import GATEWAY, SCHEDULER_STATUS
from core.storage.db import ping


def _version() -> str:
    try:
        return version("clinicbot")
    except PackageNotFoundError:
        return "unknown"


async def health(request: web.Request) -> web.Response:
    """Report the database (checked for real) and the scheduler."""
    try:
        await request.app[GATEWAY].run(ping)
        database = "ok"
    except Exception as exc:  # any failure to reach the database is "down"
        database = f"error: {type(exc).__name__}"
    scheduler_status = request.app.get(SCHEDULER_STATUS)
    scheduler = scheduler_status() if scheduler_status else {"running": False}
    status = "ok" if database == "ok" else "degraded"
    body = {
        "status": status,
        "database": database,
        "scheduler": scheduler,
        "version": _version(),
    }
    return web.json_response(body, status=200 if status == "ok" else 503)
