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
from core.staff.accounts import SessionUser
from core.views.appointment import appointment_detail
from core.views.schedule import staff_note


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
    detail["note"] = await common.db(request, staff_note, appointment_id)
    return detail


@allow(*EVERYONE)
async def appointment(request: web.Request) -> web.StreamResponse:
    """Details, status history from the audit log, messages, and actions."""
    user = await common.user(request)
    context = await _detail(request, user)
    if context["row"]["live"] and request.query.get("move"):
        # Moving happens on the calendar's grid (old ?move=1 links land there).
        url = (
            request.app.router["calendar"]
            .url_for()
            .with_query(move=str(context["row"]["id"]))
        )
        raise web.HTTPSeeOther(url)
    now = clock_now(request)
    visit = context["visit"]
    # Only what is legal now: booking refuses to finish a visit not started.
    context["started"] = visit.start <= now
    context["over"] = visit.end <= now
    context["can_check_in"] = (
        visit.arrived_at is None
        and visit.start - booking.CHECK_IN_EARLY <= now <= visit.end
    )
    return render("appointment.html", request, context)


def _act(action: str, user: SessionUser, appointment_id: int, form, now, policy, query):
    """Run one staff action through core.booking (compare-and-set transitions)."""
    actor = audit.Actor("staff", user.id)
    telling = common.telling(form)
    if action == "confirm":
        return booking.confirm(appointment_id, actor, now)
    if action == "cancel":
        reason = forms.text(form, "reason", limit=200)
        return booking.cancel(appointment_id, actor, reason, now, **telling)
    if action == "complete":
        return booking.complete(appointment_id, actor, now)
    if action == "no-show":
        return booking.mark_no_show(appointment_id, actor, now)
    if action == "check-in":
        return booking.check_in(appointment_id, actor, now)
    if action == "no-confirmation":
        needed = forms.checkbox(form, "needed")
        return booking.set_needs_confirmation(appointment_id, needed, actor, now)
    if action == "reschedule":
        start: dt.datetime = forms.instant(form, "start")
        # The grid's buttons carry the doctor in their formaction's query.
        doctor_id = forms.integer(form, "doctor", required=False) or forms.integer(
            query, "doctor", required=False
        )
        return booking.reschedule(
            appointment_id, start, policy=policy, now=now, actor=actor,
            new_doctor_id=doctor_id, **telling,
        )  # fmt: skip
    if action == "note":
        note = forms.text(form, "note", required=False, limit=booking.STAFF_NOTE_LIMIT)
        return booking.set_note(appointment_id, note, actor, now)
    raise web.HTTPNotFound()


NOTICES = {
    "confirm": "confirmed",
    "cancel": "cancelled",
    "complete": "completed",
    "no-show": "no_show",
    "check-in": "checked_in",
    "no-confirmation": "confirmation_saved",
    "reschedule": "moved",
    "note": "note_saved",
}


@allow(*EVERYONE)
async def appointment_action(request: web.Request) -> web.StreamResponse:
    """POST /appointments/{id}/{action}; doctors may act on their own visits only."""
    user = await common.user(request)
    context = await _detail(request, user)
    action = request.match_info["action"]
    if action not in NOTICES:
        raise web.HTTPNotFound()
    if user.role == "doctor" and action in ("reschedule", "no-confirmation", "note"):
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
        request.query,
    )
    if form.get("back") == "today":  # pressed on the Today board: stay there
        raise common.redirect(request, "today", NOTICES[action])
    raise common.redirect(request, "appointment", NOTICES[action], id=appointment_id)
