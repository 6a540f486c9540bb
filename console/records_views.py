"""Waitlist, messages log and audit log (the inbox is console/inbox_views.py)."""

from __future__ import annotations

from aiohttp import web

from console import common, forms
from console.auth import STAFF, allow
from console.render import render
from core.staff.patients import remove_from_waitlist
from core.views import history, records

CHANNELS = ("", "sms", "whatsapp", "telegram", "email", "console", "none")
DIRECTIONS = ("", "in", "out")


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
    """The audit log in words, newest first, by person and visit."""
    policy = await common.policy(request)
    who = forms.text(request.query, "who", required=False, limit=40)
    visit = forms.integer(request.query, "visit", required=False)
    before = forms.integer(request.query, "before", required=False)
    rows = await common.db(
        request, history.audit_page, policy, who=who, visit=visit, before_id=before
    )
    context = {
        "rows": rows,
        "who": who,
        "visit": visit or "",
        "people": await common.db(request, history.people),
        "page": history.PAGE,
    }
    return render("audit.html", request, context)
