"""The time-grid calendar (a day per doctor column, a doctor's week) and booking.

Every action is a plain link or form: a free time links to the booking page,
a visit to its page, and in move mode (?move=<visit>) free times are buttons
that post the move. No JavaScript is needed (a locked-down browser or a
script can do everything).
"""

from __future__ import annotations

import datetime as dt

from aiohttp import web

from console import common, forms
from console.auth import EVERYONE, STAFF, allow
from console.auth import now as clock_now
from console.redisplay import redisplay
from console.render import render
from core import audit
from core.clinic import booking
from core.clinic.calendar import utc_bounds
from core.staff.patients import book_for_new_patient
from core.views.grid import doctors_offering, moving_visit, needs_follow_up, time_grid
from core.views.patients import search_patients
from core.views.schedule import (
    active_visit_types,
    departments,
    doctors,
    free_times,
    patient_brief,
    visit_types_of,
    visits_between,
)

VIEWS = {"day": 1, "week": 7}
NOTE_LIMIT = booking.STAFF_NOTE_LIMIT


def _first_day(view: str, day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday()) if view == "week" else day


def _load_calendar(query, scope, policy, now, moving_id) -> dict:
    """Pick the doctors and days to show, then build the grid (one DB-thread call)."""
    view = query.get("view", "day")
    if view not in VIEWS:
        raise forms.bad("view must be day or week.")
    moving = None
    if moving_id is not None:
        moving = moving_visit(moving_id)
        if moving is None:
            raise web.HTTPConflict(text="This visit can no longer be moved.")
    day = forms.date(query, "date", required=False)
    if day is None:
        start = moving.start if moving else now
        day = start.astimezone(policy.tz).date()
    doctor_id = forms.integer(query, "doctor", required=False)
    department_id = forms.integer(query, "department", required=False)
    if scope is not None:  # a doctor: their own column, whatever was asked
        doctor_id, department_id = None, None
    ids = scope if scope is not None else [doctor_id] if doctor_id else None
    if moving is not None:  # any doctor who offers the visit's kind
        offering = doctors_offering(moving.visit_type_id)
        ids = [i for i in ids if i in offering] if ids is not None else offering
    chosen = doctors(ids, department_id)
    first = _first_day(view, day)
    step = dt.timedelta(days=VIEWS[view])
    context = {
        "view": view,
        "day": day,
        "first": first,
        "prev": first - step,
        "next": first + step,
        "doctor_id": doctor_id,
        "department_id": department_id,
        "doctors": chosen,
        "all_doctors": doctors(scope),
        "departments": departments() if scope is None else [],
        "moving": moving,
        "moved": _moved_visit(moving, policy),
        "follow_up": needs_follow_up(policy, now, scope),
        "agenda": None,
        "grid": None,
    }
    week_doctor = chosen[0] if len(chosen) == 1 else None
    if view == "week" and week_doctor is None:
        # A week is one doctor's; for many, the week's visits day by day.
        lo, hi = utc_bounds(first, first + dt.timedelta(days=6), policy)
        shown = [d["id"] for d in chosen]
        by_day: dict[dt.date, list] = {
            first + dt.timedelta(days=n): [] for n in range(7)
        }
        for visit in visits_between(lo, hi, policy, shown):
            if visit.status != "cancelled":
                by_day[visit.start.date()].append(visit)
        context["agenda"] = sorted(by_day.items())
        return context
    if view == "week":
        columns = [(first + dt.timedelta(days=n), week_doctor) for n in range(7)]
    else:
        columns = [(day, doctor) for doctor in chosen]
    context["grid"] = time_grid(columns, policy, now, moving)
    return context


def _moved_visit(moving, policy):
    """The visit being moved, as the banner names it."""
    if moving is None:
        return None
    near = visits_between(
        moving.start, moving.start + dt.timedelta(seconds=1), policy, [moving.doctor_id]
    )
    return next((v for v in near if v.id == moving.id), None)


@allow(*EVERYONE)
async def calendar(request: web.Request) -> web.StreamResponse:
    """A day (a column per doctor) or one doctor's week, on a time grid."""
    user = await common.user(request)
    moving_id = forms.integer(request.query, "move", required=False)
    if moving_id is not None and user.role == "doctor":
        raise web.HTTPForbidden(text="Ask the front desk to move visits.")
    policy = await common.policy(request)
    context = await common.db(
        request,
        _load_calendar,
        request.query,
        common.doctor_scope(user),
        policy,
        clock_now(request),
        moving_id,
    )
    context["can_book"] = user.role != "doctor"
    context["policy"] = policy
    return render("calendar.html", request, context)


def _load_new(query, policy, now) -> dict:
    """The booking page's choices: doctor, kind of visit, day, then the patient."""
    doctor_id = forms.integer(query, "doctor", required=False)
    visit_type_id = forms.integer(query, "visit_type", required=False)
    patient_id = forms.integer(query, "patient", required=False)
    start = forms.instant(query, "start") if query.get("start") else None
    q = forms.text(query, "q", required=False, limit=100)
    today = now.astimezone(policy.tz).date()
    day = forms.date(query, "date", required=False) or today
    patient = None
    if patient_id is not None:
        patient = patient_brief(patient_id)
        if patient is None:
            raise web.HTTPNotFound(text="That patient does not exist.")
    doctor = None
    if doctor_id is not None:
        (doctor,) = doctors([doctor_id]) or (None,)
        if doctor is None:
            raise web.HTTPNotFound(text="That doctor does not exist.")
    context = {
        "doctor": doctor,
        "visit_type_id": visit_type_id,
        "patient": patient,
        "start": start,
        "q": q,
        "date": day,
        "all_doctors": doctors(),
        "note_limit": NOTE_LIMIT,
    }
    if doctor is not None and start is not None:
        types = visit_types_of(doctor["id"], start, policy, now)
        fitting = [t for t in types if t["fits"]]
        if visit_type_id not in {t["id"] for t in fitting}:
            visit_type_id = fitting[0]["id"] if fitting else None
        context |= {
            "step": "patient",
            "start_local": start.astimezone(policy.tz),
            "visit_types": types,
            "visit_type_id": visit_type_id,
            "patients": search_patients(q, 30) if q and patient is None else [],
        }
        return context
    context |= {
        "step": "time",
        "visit_types": active_visit_types(),
        "searched": doctor is not None or visit_type_id is not None,
        "times": [],
    }
    if context["searched"]:
        context["times"] = free_times(
            doctor_id, visit_type_id, max(day, today), policy, now
        )
    return context


@allow(*STAFF)
async def new_appointment(request: web.Request) -> web.StreamResponse:
    """Pick doctor, kind of visit and day, then a free time, then the patient."""
    policy = await common.policy(request)
    context = await common.db(
        request, _load_new, request.query, policy, clock_now(request)
    )
    context["policy"] = policy
    return render("appointment_new.html", request, context)


async def _booking_form_again(request: web.Request) -> web.StreamResponse:
    """The booking page a refused booking came from, rebuilt from its form."""
    form = await request.post()
    wanted = {
        name: form[name]
        for name in ("doctor", "start", "visit_type", "patient")
        if isinstance(form.get(name), str) and form[name]
    }
    policy = await common.policy(request)
    context = await common.db(request, _load_new, wanted, policy, clock_now(request))
    context["policy"] = policy
    return render("appointment_new.html", request, context)


@allow(*STAFF)
@redisplay(_booking_form_again)
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
        "note": forms.text(form, "note", required=False, limit=NOTE_LIMIT),
        **common.telling(form),
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
