"""GET /feeds/<token>.ics: a doctor's calendar feed, for calendar apps to poll.

The secret address is the credential (calendar apps send no headers of
their own), so the route is public to the API's gate and the token decides:
an unknown or revoked one gets a bare 404 that says nothing of why. The
feed is read through the gateway and rendered on a worker thread: icalendar
takes ~0.4 ms per event, and a busy doctor's three months is ~1,000 of them.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot.email import invite_host
from console.api.auth import api_public
from console.auth import now
from console.keys import GATEWAY, SETTINGS
from core.api import ical

PATH = r"/feeds/{token:[A-Za-z0-9_\-]{1,100}}.ics"


def base_url(request: web.Request) -> str:
    """Where people reach ClinicBot: CLINICBOT_PUBLIC_URL, else this request's host."""
    return request.app[SETTINGS].public_url or f"{request.scheme}://{request.host}"


@api_public
async def calendar_feed(request: web.Request) -> web.StreamResponse:
    """Serve the feed this token opens as text/calendar, or a plain 404."""
    feed = await request.app[GATEWAY].run(
        ical.for_token, request.match_info["token"], now(request)
    )
    if feed is None:
        return web.Response(status=404, text="Not found")
    settings = request.app[SETTINGS]
    body = await asyncio.get_running_loop().run_in_executor(
        None, ical.render, feed, invite_host(settings), base_url(request)
    )
    return web.Response(
        body=body,
        content_type="text/calendar",
        charset="utf-8",
        # A secret address must not end up in a search engine's index.
        headers={"X-Robots-Tag": "noindex, nofollow"},
    )
