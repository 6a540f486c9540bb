"""One appointment: details, history, messages, and the actions staff take on it."""

from __future__ import annotations

import datetime as dt

from aiohttp import web

from console import common, forms
from console.auth import EVERYONE, allow
from console.auth import now as clock_now
from console.render import render
from core import audit
from core.clinic import booking
from core.clinic.calendar import next_slots
from core.staff.accounts import SessionUser
from core.views.appointment import appointment_detail

MOVE_CHOICES = 24  # free times offered on the reschedule picker


async def _detail(request: web.Request, user: SessionUser) -> dict:
    """The visit, or 404 if it does not exist or is another doctor's."""
    appointment_id = forms.route_id(request)
    policy = await common.policy(request)
    detail = await common.db(request, appointment_detail, appointment_id, policy)
    scope = common.doctor_scope(user)
    if detail is None or (
        scope is not None and detail["row"]["doctor_id"] not in scope
    ):
        raise web.HTTPNotFound(text="That appointment does not exist.")
    detail["policy"] = policy
    return detail


@allow(*EVERYONE)
async def appointment(request: web.Request) -> web.StreamResponse:
    """Details, status history from the audit log, messages, and actions."""
    user = await common.user(request)
    context = await _detail(request, user)
    if context["row"]["live"] and request.query.get("move"):
        policy = context["policy"]
        visit = context["visit"]
        length = visit.end - visit.start
        from_day = forms.date(request.query, "from", required=False)
        context["slots"] = [
            start.astimezone(policy.tz)
            for start, _ in await common.db(
                request,
                next_slots,
                [visit.doctor_id],
                policy,
                clock_now(request),
                MOVE_CHOICES,
                length,
                from_day,
            )
        ]
    return render("appointment.html", request, context)


def _act(action: str, user: SessionUser, appointment_id: int, form, now, policy):
    """Run one staff action through core.booking (compare-and-set transitions)."""
    actor = audit.Actor("staff", user.id)
    if action == "confirm":
        return booking.confirm(appointment_id, actor, now)
    if action == "cancel":
        reason = forms.text(form, "reason", limit=200)
        return booking.cancel(appointment_id, actor, reason, now)
    if action == "complete":
        return booking.complete(appointment_id, actor, now)
    if action == "no-show":
        return booking.mark_no_show(appointment_id, actor, now)
    if action == "no-confirmation":
        needed = forms.checkbox(form, "needed")
        return booking.set_needs_confirmation(appointment_id, needed, actor, now)
    if action == "reschedule":
        start: dt.datetime = forms.instant(form, "start")
        return booking.reschedule(
            appointment_id, start, policy=policy, now=now, actor=actor
        )
    raise web.HTTPNotFound()


NOTICES = {
    "confirm": "confirmed",
    "cancel": "cancelled",
    "complete": "completed",
    "no-show": "no_show",
    "no-confirmation": "confirmation_saved",
    "reschedule": "moved",
}


@allow(*EVERYONE)
async def appointment_action(request: web.Request) -> web.StreamResponse:
    """POST /appointments/{id}/{action}; doctors may act on their own visits only."""
    user = await common.user(request)
    context = await _detail(request, user)
    action = request.match_info["action"]
    if action not in NOTICES:
        raise web.HTTPNotFound()
    if user.role == "doctor" and action in ("reschedule", "no-confirmation"):
        raise web.HTTPForbidden(text="Ask the front desk to move visits.")
    form = await request.post()
    appointment_id = context["row"]["id"]
    await common.db(
        request,
        _act,
        action,
        user,
        appointment_id,
        form,
        clock_now(request),
        context["policy"],
    )
    raise common.redirect(request, "appointment", NOTICES[action], id=appointment_id)
