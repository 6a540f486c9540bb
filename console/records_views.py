"""Inbox, waitlist, messages log and audit log."""

from __future__ import annotations

from aiohttp import web

from console import common, forms
from console.auth import STAFF, allow
from console.render import render
from core.messaging import conversations
from core.staff.patients import remove_from_waitlist
from core.views import records
from core.views.schedule import flagged_conversations

CHANNELS = ("", "sms", "whatsapp", "telegram", "email", "console", "none")
DIRECTIONS = ("", "in", "out")


@allow(*STAFF)
async def inbox(request: web.Request) -> web.StreamResponse:
    """Conversations the bot flagged for a person, newest first."""
    policy = await common.policy(request)
    flagged = await common.db(request, flagged_conversations, policy, 200)
    return render("inbox.html", request, {"flagged": flagged})


@allow(*STAFF)
async def inbox_resolve(request: web.Request) -> web.StreamResponse:
    await common.db(request, conversations.resolve, forms.route_id(request))
    raise common.redirect(request, "inbox", "resolved")


@allow(*STAFF)
async def waitlist(request: web.Request) -> web.StreamResponse:
    status = request.query.get("status", "waiting")
    entries = await common.db(request, records.waitlist, status)
    context = {
        "entries": entries,
        "status": status,
        "statuses": records.WAITLIST_STATUSES,
    }
    return render("waitlist.html", request, context)


@allow(*STAFF)
async def waitlist_remove(request: web.Request) -> web.StreamResponse:
    await common.db(request, remove_from_waitlist, forms.route_id(request))
    raise common.redirect(request, "waitlist", "waitlist_removed")


def _choice(query, name: str, allowed) -> str:
    value = query.get(name, "")
    if value not in allowed:
        raise forms.bad(f"{name} must be one of: {', '.join(a for a in allowed if a)}.")
    return value


@allow(*STAFF)
async def messages(request: web.Request) -> web.StreamResponse:
    """Every message in and out, filterable, with delivery status and error codes."""
    policy = await common.policy(request)
    statuses = await common.db(request, records.message_statuses)
    filters = {
        "status": _choice(request.query, "status", ["", *statuses]),
        "channel": _choice(request.query, "channel", CHANNELS),
        "direction": _choice(request.query, "direction", DIRECTIONS),
        "day": forms.date(request.query, "day", required=False),
        "before_id": forms.integer(request.query, "before", required=False),
    }
    rows = await common.db(request, records.messages_log, policy, **filters)
    context = {
        "rows": rows,
        "filters": filters,
        "statuses": statuses,
        "channels": CHANNELS,
        "directions": DIRECTIONS,
        "page": records.PAGE,
    }
    return render("messages.html", request, context)


@allow(*STAFF)
async def audit(request: web.Request) -> web.StreamResponse:
    policy = await common.policy(request)
    action = forms.text(request.query, "action", required=False, limit=40)
    actor = forms.text(request.query, "actor", required=False, limit=40)
    before = forms.integer(request.query, "before", required=False)
    rows = await common.db(
        request, records.audit_log, policy, action=action, actor=actor, before_id=before
    )
    context = {"rows": rows, "action": action, "actor": actor, "page": records.PAGE}
    return render("audit.html", request, context)
