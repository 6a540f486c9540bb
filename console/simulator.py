"""Simulator: staff chat with the bot as a test patient, through the same engine."""

from __future__ import annotations

import uuid

from aiohttp import web

from console import common, forms
from console.auth import STAFF, allow
from console.auth import now as clock_now
from console.render import render
from core.dialog import handle_inbound
from core.inbound import Inbound
from core.phones import normalize_phone
from core.simulator import simulator_chat
from core.staff_auth import SessionUser


def _default_phone(user: SessionUser) -> str:
    """Each staff member gets their own fictional test patient (+1 555 0199 xxx)."""
    return f"+15550199{user.id % 1000:03d}"


async def _phone(request: web.Request, data, user: SessionUser) -> str:
    raw = forms.text(data, "phone", required=False, limit=40) or _default_phone(user)
    return await common.db(request, normalize_phone, raw)


@allow(*STAFF)
async def simulator(request: web.Request) -> web.StreamResponse:
    """The chat so far, a text box, and the bot's choices as buttons."""
    user = await common.user(request)
    phone = await _phone(request, request.query, user)
    policy = await common.policy(request)
    chat = await common.db(request, simulator_chat, phone, policy)
    return render("simulator.html", request, {"phone": phone, **chat})


@allow(*STAFF)
async def simulator_send(request: web.Request) -> web.StreamResponse:
    """Send one message as the test patient; the dialog answers inline."""
    user = await common.user(request)
    form = await request.post()
    phone = await _phone(request, form, user)
    text = forms.text(form, "text", limit=1000)
    inbound = Inbound(
        channel="console",
        address=phone,
        text=text,
        provider_id=f"console-{uuid.uuid4().hex}",
    )
    await common.db(
        request, handle_inbound, inbound, clock_now(request), deliver="inline"
    )
    url = request.app.router["simulator"].url_for().with_query(phone=phone)
    raise web.HTTPSeeOther(url)
