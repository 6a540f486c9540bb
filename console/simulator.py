"""Simulator: staff chat with the bot as a test patient, through the same engine."""

from __future__ import annotations

import re
import uuid

from aiohttp import web

from console import common, forms
from console.auth import STAFF, allow
from console.auth import now as clock_now
from console.keys import DIALOG
from console.render import render
from core.errors import InvalidInput
from core.messaging.inbound import Inbound
from core.messaging.phones import normalize_phone
from core.staff.accounts import SessionUser
from core.views.simulator import simulator_chat

# Area code 555 is not assigned to any place in the North American plan.
FICTIONAL = re.compile(r"^\+1555\d{7}$")


def _default_phone(user: SessionUser) -> str:
    """Each staff member gets their own fictional test patient (+1 555 0199 xxx)."""
    return f"+15550199{user.id % 1000:03d}"


def _phone(data, user: SessionUser) -> str:
    """The test patient's number: only fictional +1 555 numbers.

    Any other number could belong to a real patient, and the simulator would
    then opt them out, book or cancel in their name.
    """
    raw = forms.text(data, "phone", required=False, limit=40) or _default_phone(user)
    try:
        phone = normalize_phone(raw)
    except InvalidInput as exc:
        raise forms.bad(str(exc)) from None
    if not FICTIONAL.match(phone):
        raise forms.bad(
            "The simulator only talks as a test patient: use a fictional number"
            " starting +1 555 (no real patient has one)."
        )
    return phone


@allow(*STAFF)
async def simulator(request: web.Request) -> web.StreamResponse:
    """The chat so far, a text box, and the bot's choices as buttons."""
    user = await common.user(request)
    phone = _phone(request.query, user)
    policy = await common.policy(request)
    chat = await common.db(request, simulator_chat, phone, policy)
    return render("simulator.html", request, {"phone": phone, **chat})


@allow(*STAFF)
async def simulator_send(request: web.Request) -> web.StreamResponse:
    """Send one message as the test patient; the dialog answers inline."""
    user = await common.user(request)
    form = await request.post()
    phone = _phone(form, user)
    text = forms.text(form, "text", limit=1000)
    inbound = Inbound(
        channel="console",
        address=phone,
        text=text,
        provider_id=f"console-{uuid.uuid4().hex}",
    )
    dialog = request.app[DIALOG]
    await common.db(request, dialog, inbound, clock_now(request), deliver="inline")
    url = request.app.router["simulator"].url_for().with_query(phone=phone)
    raise web.HTTPSeeOther(url)
