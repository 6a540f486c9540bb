"""Render a console page with what every layout needs (user, CSRF token, notice)."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from console.auth import SESSION, USER
from console.notices import notice_text


def render(
    template: str, request: web.Request, context: dict, status: int = 200
) -> web.Response:
    session = request.get(SESSION)
    base = {
        "user": request.get(USER),
        "csrf": session.csrf if session else "",
        "notice": notice_text(request.query.get("notice")),
        "path": request.path,
    }
    return aiohttp_jinja2.render_template(
        template, request, {**base, **context}, status=status
    )
