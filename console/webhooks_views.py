"""Admin only: webhook endpoints, their deliveries, and replaying one.

The signing secret is on the page only in the answer to the registration
POST (rendered, not redirected): it is never in a URL, and reloading the
page afterwards does not show it again.
"""

from __future__ import annotations

import logging

from aiohttp import web

from bot.webhooks import WEBHOOK_SENDER
from console import common, forms
from console.auth import ADMIN, allow
from console.auth import now as clock_now
from console.keys import GATEWAY, SETTINGS
from console.notices import notice_text
from console.render import render
from core.errors import InvalidInput
from core.integrations import deliveries, endpoints

log = logging.getLogger(__name__)


async def _page(request: web.Request, status: int = 200, **extra) -> web.StreamResponse:
    tz = (await common.policy(request)).tz
    shown = forms.integer(request.query, "endpoint", required=False)
    gateway = request.app[GATEWAY]
    key = request.query.get("notice")
    context = {
        "endpoints": await gateway.run(endpoints.listing, tz),
        "deliveries": await gateway.run(deliveries.listing, tz, shown),
        "shown_endpoint": shown,
        "events": endpoints.EVENTS,
        "allow_private": request.app[SETTINGS].webhooks_allow_private,
        "max_attempts": deliveries.MAX_ATTEMPTS,
        "form": {"url": "", "description": "", "events": ()},
        "notice": notice_text(key),
        **extra,
    }
    return render("webhooks.html", request, context, status=status)


@allow(*ADMIN)
async def webhooks_page(request: web.Request) -> web.StreamResponse:
    return await _page(request)


@allow(*ADMIN)
async def webhook_register(request: web.Request) -> web.StreamResponse:
    """Register an endpoint and show its secret this once; bad input is a 400 page."""
    form = await request.post()
    url = forms.text(form, "url", required=False, limit=endpoints.MAX_URL)
    description = forms.text(form, "description", required=False, limit=500)
    events = [e for e in form.getall("events", []) if isinstance(e, str)]
    try:
        endpoint_id, secret = await request.app[GATEWAY].run_write(
            endpoints.register,
            url,
            events,
            description,
            request.app[SETTINGS].webhooks_allow_private,
            clock_now(request),
        )
    except InvalidInput as error:
        form_back = {"url": url, "description": description, "events": events}
        return await _page(
            request, 400, error=str(error), error_field=error.field, form=form_back
        )
    user = await common.user(request)
    log.info("staff %s registered webhook endpoint %s", user.id, endpoint_id)
    created = {"id": endpoint_id, "url": url, "secret": secret}
    return await _page(request, created=created)


@allow(*ADMIN)
async def webhook_active(request: web.Request) -> web.StreamResponse:
    """Pause or resume an endpoint (the form's active box)."""
    endpoint_id = forms.route_id(request)
    active = forms.checkbox(await request.post(), "active")
    await common.db(request, endpoints.set_active, endpoint_id, active)
    user = await common.user(request)
    log.info("staff %s set webhook endpoint %s active=%s", user.id, endpoint_id, active)
    notice = "webhook_resumed" if active else "webhook_paused"
    raise common.redirect(request, "webhooks", notice)


@allow(*ADMIN)
async def webhook_delete(request: web.Request) -> web.StreamResponse:
    endpoint_id = forms.route_id(request)
    await common.db(request, endpoints.delete, endpoint_id)
    user = await common.user(request)
    log.info("staff %s deleted webhook endpoint %s", user.id, endpoint_id)
    raise common.redirect(request, "webhooks", "webhook_deleted")


@allow(*ADMIN)
async def delivery_replay(request: web.Request) -> web.StreamResponse:
    """Send a delivery again, from its first attempt."""
    delivery_id = forms.route_id(request)
    await common.db(request, deliveries.replay, delivery_id, clock_now(request))
    user = await common.user(request)
    log.info("staff %s replayed webhook delivery %s", user.id, delivery_id)
    sender = request.app.get(WEBHOOK_SENDER)
    if sender is not None:  # a scheduler in this process: send it now
        sender.wake()
    raise common.redirect(request, "webhooks", "webhook_replayed")
