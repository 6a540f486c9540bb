"""Admin only: API tokens and doctors' calendar feeds (Settings → Integrations).

A new token or feed address is a secret shown exactly once: the POST that
creates it answers with the page itself, the secret in it, and no redirect
to a page that could show it again. Every response is no-store
(console.middlewares), so the browser keeps no copy either; reloading the
page shows the lists, never a secret. Each change writes its audit row
(core.staff.integrations).
"""

from __future__ import annotations

import logging

from aiohttp import web

from console import common, forms
from console.api.feeds import base_url
from console.auth import ADMIN, allow
from console.auth import now as clock_now
from console.render import render
from core.integrations.tokens import ROLES as TOKEN_ROLES
from core.staff import integrations

log = logging.getLogger(__name__)


async def _page(request: web.Request, status: int = 200, **shown) -> web.Response:
    """The Integrations page; shown holds a secret just created, if any."""
    policy = await common.policy(request)
    listed = await common.db(request, integrations.page, policy.tz)
    context = {**listed, "token_roles": TOKEN_ROLES, **shown}
    return render("integrations.html", request, context, status=status)


def _back(request: web.Request, section: str) -> web.HTTPSeeOther:
    """303 back to the page, at the section that changed."""
    url = request.app.router["integrations"].url_for().with_fragment(section)
    return web.HTTPSeeOther(url)


def feed_address(request: web.Request, token: str) -> str:
    """The feed's absolute https (or http) address, as calendar apps need it."""
    path = request.app.router["calendar_feed"].url_for(token=token)
    return f"{base_url(request)}{path}"


@allow(*ADMIN)
async def integrations_page(request: web.Request) -> web.StreamResponse:
    return await _page(request)


@allow(*ADMIN)
async def token_create(request: web.Request) -> web.StreamResponse:
    """Create an API token and show it, this once; bad input is a 400."""
    form = await request.post()
    name = forms.text(form, "name", limit=80)
    role = forms.text(form, "role", limit=20)
    user = await common.user(request)
    token_id, token = await common.db(
        request, integrations.create_token, name, role, clock_now(request), user.id
    )
    log.info("staff %s created API token %s", user.id, token_id)
    return await _page(
        request, new_token={"id": token_id, "name": name, "token": token}
    )


@allow(*ADMIN)
async def token_revoke(request: web.Request) -> web.StreamResponse:
    user = await common.user(request)
    token_id = forms.route_id(request)
    await common.db(
        request, integrations.revoke_token, token_id, clock_now(request), user.id
    )
    log.info("staff %s revoked API token %s", user.id, token_id)
    raise _back(request, "tokens")


@allow(*ADMIN)
async def feed_create(request: web.Request) -> web.StreamResponse:
    """Create a doctor's calendar feed and show its address, this once."""
    form = await request.post()
    doctor_id = forms.integer(form, "doctor")
    show_names = forms.checkbox(form, "show_names")
    user = await common.user(request)
    feed_id, token = await common.db(
        request,
        integrations.create_feed,
        doctor_id,
        show_names,
        clock_now(request),
        user.id,
    )
    log.info("staff %s created calendar feed %s", user.id, feed_id)
    address = feed_address(request, token)
    return await _page(
        request,
        new_feed={
            "id": feed_id,
            "url": address,
            "webcal": "webcal://" + address.partition("://")[2],
        },
    )


@allow(*ADMIN)
async def feed_names(request: web.Request) -> web.StreamResponse:
    """Show or hide patient names in a feed (the form says which)."""
    form = await request.post()
    user = await common.user(request)
    feed_id = forms.route_id(request)
    show = forms.checkbox(form, "show_names")
    await common.db(
        request, integrations.set_feed_names, feed_id, show, clock_now(request), user.id
    )
    log.info("staff %s set names in calendar feed %s to %s", user.id, feed_id, show)
    raise _back(request, "feeds")


@allow(*ADMIN)
async def feed_revoke(request: web.Request) -> web.StreamResponse:
    user = await common.user(request)
    feed_id = forms.route_id(request)
    await common.db(
        request, integrations.revoke_feed, feed_id, clock_now(request), user.id
    )
    log.info("staff %s revoked calendar feed %s", user.id, feed_id)
    raise _back(request, "feeds")
