"""Calendar (day/week per doctor or department) and booking on a patient's behalf."""

from __future__ import annotations

import datetime as dt

from aiohttp import web

from console import common, forms
from console.auth import EVERYONE, STAFF, allow
from console.auth import now as clock_now
from console.render import render
from core import audit
from core.clinic import booking
from core.staff.patients import book_for_new_patient
from core.views.patients import search_patients
from core.views.schedule import calendar_grid, departments, doctors

VIEWS = {"day": 1, "week": 7}


def _first_day(view: str, day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday()) if view == "week" else day


def _load_calendar(query, scope, policy, now) -> dict:
    """Pick the doctors to show, then build the grid (one DB-thread call)."""
    view = query.get("view", "day")
    if view not in VIEWS:
        raise forms.bad("view must be day or week.")
    day = forms.date(query, "date", required=False) or now.astimezone(policy.tz).date()
    doctor_id = forms.integer(query, "doctor", required=False)
    department_id = forms.integer(query, "department", required=False)
    if scope is not None:  # a doctor: their own column, whatever was asked
        doctor_id, department_id = None, None
    ids = scope if scope is not None else [doctor_id] if doctor_id else None
    chosen = doctors(ids, department_id)
    first = _first_day(view, day)
    grid = calendar_grid(first, VIEWS[view], policy, now, chosen)
    step = dt.timedelta(days=VIEWS[view])
    return {
        "view": view,
        "day": day,
        "prev": first - step,
        "next": first + step,
        "grid": grid,
        "doctor_id": doctor_id,
        "department_id": department_id,
        "all_doctors": doctors(scope),
        "departments": departments() if scope is None else [],
    }


@allow(*EVERYONE)
async def calendar(request: web.Request) -> web.StreamResponse:
    """Day or week of visits and free slots, per doctor or department."""
    user = await common.user(request)
    policy = await common.policy(request)
    context = await common.db(
        request,
        _load_calendar,
        request.query,
        common.doctor_scope(user),
        policy,
        clock_now(request),
    )
    context["can_book"] = user.role != "doctor"
    context["policy"] = policy
    return render("calendar.html", request, context)


@allow(*STAFF)
async def new_appointment(request: web.Request) -> web.StreamResponse:
    """Pick (or add) the patient for a chosen free slot."""
    doctor_id = forms.integer(request.query, "doctor")
    start = forms.instant(request.query, "start")
    q = forms.text(request.query, "q", required=False, limit=100)
    policy = await common.policy(request)
    found = await common.db(request, search_patients, q, 30)
    (doctor,) = await common.db(request, doctors, [doctor_id]) or (None,)
    if doctor is None:
        raise web.HTTPNotFound(text="That doctor does not exist.")
    context = {
        "doctor": doctor,
        "start": start,
        "start_local": start.astimezone(policy.tz),
        "q": q,
        "patients": found,
    }
    return render("appointment_new.html", request, context)


@allow(*STAFF)
async def book(request: web.Request) -> web.StreamResponse:
    """Book through core.booking: same rules and race safety as the bot."""
    form = await request.post()
    user = await common.user(request)
    doctor_id = forms.integer(form, "doctor")
    start = forms.instant(form, "start")
    patient_id = forms.integer(form, "patient", required=False)
    policy = await common.policy(request)
    now = clock_now(request)
    booking_args = {
        "doctor_id": doctor_id,
        "start": start,
        "policy": policy,
        "now": now,
        "actor": audit.Actor("staff", user.id),
        "visit_type_id": forms.integer(form, "visit_type", required=False),
        "via": "console",
    }
    if patient_id is None:
        name = forms.text(form, "name", limit=120)
        phone = forms.text(form, "phone", limit=40)
        email = forms.text(form, "email", required=False, limit=254)
        appointment = await common.db(
            request, book_for_new_patient, name, phone, email or None, **booking_args
        )
    else:
        appointment = await common.db(
            request, booking.book, patient_id=patient_id, **booking_args
        )
    raise common.redirect(request, "appointment", "booked", id=appointment.id)
