"""Security headers on every response, and friendly 4xx/5xx pages for people."""

from __future__ import annotations

import logging
import re

from aiohttp import web, web_response

from bot import metrics
from console.auth import Handler, is_console_path
from console.logs import loggable_path
from console.render import render
from core.storage.db import DATABASE_ERRORS

log = logging.getLogger(__name__)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; "
    "frame-ancestors 'none'"
)
STATIC_PREFIX = "/static/"
# The public slot manifest carries no patient data and asks to be cached.
PUBLISHED_PREFIX = "/fhir/r4/$bulk-publish"
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
TITLES = {
    400: "That request was not understood",
    403: "Not allowed",
    404: "Page not found",
    405: "Not allowed",
    409: "That changed meanwhile",
    413: "Too much data",
}


SERVER = "ClinicBot"  # no software versions for a scanner to match
# A refused change to a visit (409) links back to that visit.
VISIT_PATH = re.compile(r"/appointments/(\d{1,12})(?:/|$)")


async def _add_headers(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare hook: also covers streams and error responses.

    Pages and exports carry patient data: no-store keeps them out of the
    browser's cache and any proxy's, so the Back button on a shared desk
    computer after logout shows nothing. Only the static files may be cached.
    """
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    public = request.path.startswith(PUBLISHED_PREFIX) and response.status == 200
    if not (request.path.startswith(STATIC_PREFIX) or public):
        response.headers["Cache-Control"] = "no-store"
    response.headers["Server"] = SERVER


def _page(request: web.Request, status: int, message: str) -> web.Response:
    title = TITLES.get(status, "Something went wrong")
    visit = VISIT_PATH.match(request.path) if status == 409 else None
    back = f"/appointments/{visit.group(1)}" if visit else ""
    response = render(
        "error.html",
        request,
        {"status": status, "title": title, "message": message, "back": back},
        status=status,
    )
    return response


@web.middleware
async def error_pages(request: web.Request, handler: Handler):
    """Render console errors as pages; a crash is logged, never shown."""
    if not is_console_path(request.path):
        return await handler(request)
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        message = (
            exc.text if exc.text and not exc.text.startswith(str(exc.status)) else ""
        )
        return _page(request, exc.status, message)
    except Exception as error:
        log.exception(
            "console error on %s %s", request.method, loggable_path(request.path)
        )
        if isinstance(error, DATABASE_ERRORS):
            metrics.database_error("console")
        return _page(request, 500, "The error was logged. Please try again.")


def setup_security(app: web.Application) -> None:
    """Error pages inside the session middleware; headers on every response."""
    app.on_response_prepare.append(_add_headers)
    # A request aiohttp cannot parse is answered by its protocol handler,
    # before any app hook runs, with the module's default Server header
    # ("Python/3.11 aiohttp/3.x"). There is no setting for it; this is the
    # default it reads (the client's User-Agent has its own copy).
    web_response.SERVER_SOFTWARE = SERVER
