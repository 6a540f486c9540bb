"""Who is asking: the session middleware, the role gate and the CSRF check.

Every console handler is wrapped by `allow(...)`, which names the roles it
serves; a test walks the router and fails on a console route without it.
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Awaitable, Callable

from aiohttp import web

from console.keys import CLOCK, GATEWAY, SESSION_CODEC, SETTINGS
from console.session import COOKIE, Session, new_session, set_cookie
from core.staff.accounts import SessionUser, session_user

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

EVERYONE = ("admin", "staff", "doctor")
STAFF = ("admin", "staff")
ADMIN = ("admin",)
PUBLIC = ()  # login page: no user needed, CSRF still checked on POST
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}

SESSION = web.RequestKey("session", Session)
SESSION_DIRTY = web.RequestKey("session_dirty", bool)  # write the cookie back
USER = web.RequestKey("user", object)  # SessionUser | None, once looked up


# Served to machines on every role, outside the console's session and pages.
PROBES = frozenset({"/health", "/health/live", "/health/ready", "/metrics"})


# Machines' prefixes: provider webhooks, the integration API, FHIR, calendar feeds.
MACHINE_PREFIXES = ("/webhooks/", "/api/", "/fhir/", "/feeds/")


def is_console_path(path: str) -> bool:
    return not (path.startswith(MACHINE_PREFIXES) or path in PROBES)


@web.middleware
async def session_middleware(request: web.Request, handler: Handler):
    """Read the session cookie; write it back when new, rotated or due a refresh."""
    if not is_console_path(request.path):
        return await handler(request)
    codec = request.app[SESSION_CODEC]
    raw = request.cookies.get(COOKIE)
    session = codec.loads(raw) if raw else None
    request[SESSION] = session or new_session()
    request[SESSION_DIRTY] = session is None or codec.needs_refresh(session)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        _write_cookie(request, exc)
        raise
    _write_cookie(request, response)
    return response


def _write_cookie(request: web.Request, response: web.StreamResponse) -> None:
    if response.prepared:  # a stream (SSE) already sent its headers
        return
    if request.get(SESSION_DIRTY):
        settings = request.app[SETTINGS]
        set_cookie(
            response,
            request.app[SESSION_CODEC],
            request[SESSION],
            settings.secure_cookies,
        )


def start_session(request: web.Request, user: SessionUser) -> None:
    """Sign in: a new session (and CSRF token) so a planted cookie is useless."""
    request[SESSION] = new_session(user.id, user.stamp)
    request[SESSION_DIRTY] = True


def end_session(request: web.Request) -> None:
    request[SESSION] = new_session()
    request[SESSION_DIRTY] = True


async def current_user(request: web.Request) -> SessionUser | None:
    """The signed-in user, checked against the database once per request."""
    if USER in request:
        return request[USER]
    session: Session = request[SESSION]
    user = None
    if session.user_id is not None:
        user = await request.app[GATEWAY].run(
            session_user, session.user_id, session.stamp
        )
        if user is None:  # password changed, logged out elsewhere, deactivated
            end_session(request)
    request[USER] = user
    return user


async def check_csrf(request: web.Request) -> None:
    """403 unless the form (or header) carries this session's token."""
    expected = request[SESSION].csrf
    sent = request.headers.get("X-CSRF-Token")
    if sent is None:
        form = await request.post()
        sent = form.get("csrf")
    if not isinstance(sent, str) or not hmac.compare_digest(
        sent.encode(), expected.encode()
    ):
        raise web.HTTPForbidden(
            text="This form has expired or did not come from this console. "
            "Go back, reload the page and try again."
        )


def allow(*roles: str) -> Callable[[Handler], Handler]:
    """Serve this handler to these roles only; check CSRF on every unsafe method."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def gate(request: web.Request) -> web.StreamResponse:
            if roles:
                user = await current_user(request)
                if user is None:
                    if request.method in UNSAFE:
                        raise web.HTTPForbidden(text="Please log in again.")
                    login = request.app.router["login"].url_for()
                    raise web.HTTPFound(login.with_query(next=request.path_qs))
                if user.role not in roles:
                    raise web.HTTPForbidden(text="Your role cannot open this page.")
            if request.method in UNSAFE:
                await check_csrf(request)
            return await handler(request)

        gate.allowed_roles = roles  # type: ignore[attr-defined]
        return gate

    return decorate


def now(request: web.Request):
    """Aware UTC now from the app's (injectable) clock."""
    return request.app[CLOCK]()
