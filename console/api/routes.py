"""The integration API's routes: one table, as the console has.

Everything here answers machines: JSON errors (console.api.errors), bearer
tokens (console.api.auth), no session cookie and no CSRF (a token is not
sent by a browser on its own, so there is nothing to forge).
"""

from __future__ import annotations

from aiohttp import web

from console.api import feeds, fhir, v1
from console.api.auth import install_limiter
from console.api.errors import json_errors
from console.api.fhir_errors import fhir_errors

# method, path, handler, name: filled in by the API's modules.
ROUTES: list[tuple[str, str, object, str]] = [
    # Calendar apps poll with GET, and some ask HEAD first.
    ("GET", feeds.PATH, feeds.calendar_feed, "calendar_feed"),
    ("HEAD", feeds.PATH, feeds.calendar_feed, "calendar_feed_head"),
]
ROUTES += v1.routes()  # /api/v1 (JSON), from core.api.operations
ROUTES += fhir.routes()  # /fhir/r4 (FHIR R4 reads, SMART Scheduling Links)


def setup_api(app: web.Application) -> None:
    """Register the API's middleware and routes."""
    app.middlewares.append(json_errors)
    app.middlewares.append(fhir_errors)  # OperationOutcomes under /fhir/
    install_limiter(app)
    for method, path, handler, name in ROUTES:
        app.router.add_route(method, path, handler, name=name)
