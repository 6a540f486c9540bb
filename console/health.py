"""Probes and metrics: /health, /health/live, /health/ready, /metrics.

/health is the summary people read. The two probes are what orchestrators
ask: live (the process answers; restart it if not) and ready (send it
traffic: database reachable, migrations applied, and, where this process
runs the scheduler, ticks still coming). /metrics is Prometheus's.
"""

from __future__ import annotations

import hmac
import ipaddress
from importlib.metadata import PackageNotFoundError, version

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot import metrics
from console.keys import GATEWAY, SCHEDULER_STATUS, SETTINGS
from core.messaging.delivery import queued_by_channel
from core.storage.db import ping
from core.storage.migrate import pending


def _version() -> str:
    try:
        return version("clinicbot")
    except PackageNotFoundError:
        return "unknown"


async def _database(request: web.Request) -> str:
    """ "ok", or what kind of error reaching the database gave."""
    try:
        await request.app[GATEWAY].run(ping)
    except Exception as exc:  # any failure to reach the database is "down"
        metrics.database_error("health")
        return f"error: {type(exc).__name__}"
    return "ok"


def _scheduler(request: web.Request) -> dict:
    status = request.app.get(SCHEDULER_STATUS)
    return status() if status else {"running": False}


async def health(request: web.Request) -> web.Response:
    """Report the database (checked for real) and the scheduler."""
    database = await _database(request)
    status = "ok" if database == "ok" else "degraded"
    body = {
        "status": status,
        "database": database,
        "scheduler": _scheduler(request),
        "version": _version(),
    }
    return web.json_response(body, status=200 if status == "ok" else 503)


async def live(request: web.Request) -> web.Response:
    """The process answers; nothing else is checked (a database outage is not ours)."""
    return web.json_response({"status": "ok"})


async def ready(request: web.Request) -> web.Response:
    """Ready for traffic: database, migrations, and a fresh scheduler heartbeat."""
    checks = {"database": await _database(request)}
    if checks["database"] == "ok":
        try:
            missing = await request.app[GATEWAY].run(pending)
        except Exception as exc:
            missing = [f"error: {type(exc).__name__}"]
        checks["migrations"] = "ok" if not missing else f"pending: {len(missing)}"
    scheduler = request.app.get(SCHEDULER_STATUS)
    if scheduler is not None:  # only where this process runs it
        checks["scheduler"] = "ok" if scheduler().get("fresh") else "stale"
    ok = all(value == "ok" for value in checks.values())
    body = {"status": "ok" if ok else "not ready", "checks": checks}
    return web.json_response(body, status=200 if ok else 503)


def _from_loopback(request: web.Request) -> bool:
    """A direct local caller; one that came through a proxy is not local."""
    if "X-Forwarded-For" in request.headers or "Forwarded" in request.headers:
        return False
    try:
        return ipaddress.ip_address(request.remote or "").is_loopback
    except ValueError:
        return False


def _allowed(request: web.Request) -> bool:
    token = request.app[SETTINGS].metrics_token
    if not token:
        return _from_loopback(request)
    given = request.headers.get("Authorization", "")
    return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


async def metrics_view(request: web.Request) -> web.Response:
    """Prometheus text format; loopback only unless CLINICBOT_METRICS_TOKEN is set."""
    if not _allowed(request):
        raise web.HTTPForbidden(text="Metrics are not open to this client.")
    try:
        queued = await request.app[GATEWAY].run(queued_by_channel)
    except Exception:
        metrics.database_error("metrics")
    else:
        for channel, count in queued.items():
            metrics.OUTBOX_QUEUED.labels(channel).set(count)
    body = generate_latest(metrics.REGISTRY)
    response = web.Response(body=body)
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return response


def setup_probes(app: web.Application) -> None:
    """The routes every role serves."""
    app.router.add_get("/health", health, name="health")
    app.router.add_get("/health/live", live, name="health_live")
    app.router.add_get("/health/ready", ready, name="health_ready")
    app.router.add_get("/metrics", metrics_view, name="metrics")
