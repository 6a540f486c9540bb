"""Staff console wiring: pages, auth and middlewares."""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

import templates
from console import appointments, calendar_views, login_views, today
from console.auth import session_middleware
from console.filters import FILTERS
from console.keys import CLOCK, SESSION_CODEC, SETTINGS
from console.middlewares import error_pages, setup_security
from console.session import SessionCodec

TEMPLATES = Path(templates.__file__).parent / "console"
STATIC = TEMPLATES / "static"


def _routes(app: web.Application) -> None:
    add = app.router.add_route
    add("GET", "/login", login_views.login_page, name="login")
    add("POST", "/login", login_views.login_submit, name="login_submit")
    add("POST", "/logout", login_views.logout, name="logout")
    add("GET", "/password", login_views.password_page, name="password")
    add("POST", "/password", login_views.password_submit, name="password_submit")
    add(
        "POST",
        r"/staff/{id:\d+}/password",
        login_views.reset_password,
        name="staff_password",
    )
    add("GET", "/", today.today, name="today")
    add("GET", "/today/board", today.today_fragment, name="today_board")
    add("GET", "/calendar", calendar_views.calendar, name="calendar")
    add(
        "GET",
        "/appointments/new",
        calendar_views.new_appointment,
        name="appointment_new",
    )
    add("POST", "/appointments", calendar_views.book, name="appointment_book")
    add("GET", r"/appointments/{id:\d+}", appointments.appointment, name="appointment")
    add(
        "POST",
        r"/appointments/{id:\d+}/{action}",
        appointments.appointment_action,
        name="appointment_action",
    )


def setup_console(app: web.Application) -> None:
    """Register the console's routes, templates and middlewares."""
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "svg"], default=True),
    )
    env.filters.update(FILTERS)
    app[SESSION_CODEC] = SessionCodec(app[SETTINGS].secret_key, app[CLOCK])
    # Order matters: the session is read first, so error pages know the user.
    app.middlewares.append(session_middleware)
    app.middlewares.append(error_pages)
    setup_security(app)
    _routes(app)
    app.router.add_static("/static", STATIC, name="static")
