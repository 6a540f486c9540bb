"""Render a console page with what every layout needs (user, CSRF token, notice)."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from console.auth import SESSION, USER
from console.notices import notice_text
from console.redisplay import FORM_PROBLEM

# The inbox's unread count, set for staff pages by console.inbox_views.unread_in_nav.
UNREAD = web.RequestKey("inbox_unread", int)


def render(
    template: str, request: web.Request, context: dict, status: int = 200
) -> web.Response:
    session = request.get(SESSION)
    base = {
        "user": request.get(USER),
        "csrf": session.csrf if session else "",
        "notice": notice_text(request.query.get("notice")),
        "path": request.path,
        "inbox_unread": request.get(UNREAD, 0),
        "problem": request.get(FORM_PROBLEM),
    }
    return aiohttp_jinja2.render_template(
        template, request, {**base, **context}, status=status
    )
