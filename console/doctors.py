"""Doctors and departments: edit, deactivate; weekly hours, time off, closures."""

from __future__ import annotations

import datetime as dt

from aiohttp import web

from console import common, forms
from console.auth import STAFF, allow
from console.auth import now as clock_now
from console.redisplay import redisplay
from console.render import render
from core.errors import InvalidInput
from core.messaging.texts import LANGUAGE_NAMES
from core.staff import doctors
from core.staff import hours as schedule
from core.staff.hours import WEEKDAYS


def _local(form, name: str, tz) -> dt.datetime:
    """A datetime-local field, read in the clinic's time zone."""
    raw = forms.text(form, name, limit=20)
    try:
        return dt.datetime.fromisoformat(raw).replace(tzinfo=tz)
    except ValueError:
        raise forms.bad(f"{name} must be a date and time.", name) from None


@allow(*STAFF)
async def doctor_list(request: web.Request) -> web.StreamResponse:
    """All doctors, departments and upcoming closures."""
    return await _list_page(request)


async def _list_page(request: web.Request, affected=()) -> web.StreamResponse:
    policy = await common.policy(request)
    today = clock_now(request).astimezone(policy.tz).date()
    context = {
        "doctors": await common.db(request, doctors.doctor_admin_list),
        "departments": await common.db(request, doctors.all_departments),
        "visit_types": await common.db(request, doctors.all_visit_types),
        "closures": await common.db(request, schedule.list_closures, today),
        "affected": list(affected),
        "translated": [(lang, LANGUAGE_NAMES[lang]) for lang in doctors.TRANSLATED],
        "name_limit": doctors.TRANSLATED_NAME_LIMIT,
    }
    return render("doctors.html", request, context)


def _names(form) -> dict[str, str] | None:
    """The "Name in Spanish" fields sent (name_es, ...); None if none were."""
    sent = {
        lang: forms.text(form, f"name_{lang}", required=False, limit=200)
        for lang in doctors.TRANSLATED
        if f"name_{lang}" in form
    }
    return sent or None


async def _doctor_page(request, doctor_id: int, affected=(), status: int = 200):
    policy = await common.policy(request)
    hours = await common.db(request, schedule.weekly_hours, doctor_id)
    context = {
        "doctor": await common.db(request, doctors.doctor_form, doctor_id),
        "departments": await common.db(request, doctors.all_departments),
        "visit_types": await common.db(request, doctors.all_visit_types),
        "hours": [
            (
                day,
                WEEKDAYS[day],
                ", ".join(f"{s:%H:%M}-{e:%H:%M}" for s, e in hours[day]),
            )
            for day in range(7)
        ],
        "time_off": await common.db(
            request, schedule.list_time_off, doctor_id, policy, clock_now(request)
        ),
        "affected": list(affected),
        "policy": policy,
    }
    return render("doctor.html", request, context, status=status)


@allow(*STAFF)
async def doctor_page(request: web.Request) -> web.StreamResponse:
    return await _doctor_page(request, forms.route_id(request))


async def _the_doctors_page(request: web.Request) -> web.StreamResponse:
    """Where a refused form is shown again: this doctor's page, else the list."""
    if request.path.startswith("/doctors/"):
        return await _doctor_page(request, forms.route_id(request))
    return await _list_page(request)


def _visit_type_ids(form) -> list[int]:
    ids = []
    for raw in form.getall("visit_type", []):
        if not isinstance(raw, str) or not raw.isdigit():
            raise forms.bad("visit_type must be a number.")
        ids.append(int(raw))
    return ids


@allow(*STAFF)
@redisplay(_the_doctors_page)
async def doctor_save(request: web.Request) -> web.StreamResponse:
    """POST /doctors (new) or /doctors/{id} (edit)."""
    form = await request.post()
    doctor_id = forms.route_id(request) if "id" in request.match_info else None
    doctor = await common.db(
        request,
        doctors.save_doctor,
        forms.text(form, "name", limit=120),
        forms.integer(form, "department"),
        forms.text(form, "specialisation", required=False, limit=120),
        _visit_type_ids(form),
        doctor_id,
    )
    raise common.redirect(request, "doctor", "doctor_saved", id=doctor.id)


@allow(*STAFF)
async def doctor_active(request: web.Request) -> web.StreamResponse:
    doctor_id = forms.route_id(request)
    active = forms.checkbox(await request.post(), "active")
    await common.db(request, doctors.set_doctor_active, doctor_id, active)
    notice = "doctor_active" if active else "doctor_inactive"
    raise common.redirect(request, "doctor", notice, id=doctor_id)


@allow(*STAFF)
@redisplay(_the_doctors_page)
async def doctor_hours(request: web.Request) -> web.StreamResponse:
    """Replace the weekly hours; visits left outside them are listed, not moved."""
    doctor_id = forms.route_id(request)
    form = await request.post()
    hours = {}
    for day in range(7):
        try:
            hours[day] = schedule.parse_intervals(
                forms.text(form, f"day{day}", required=False, limit=200)
            )
        except InvalidInput as exc:
            raise forms.bad(f"{WEEKDAYS[day]}: {exc}", f"day{day}") from None
    policy = await common.policy(request)
    affected = await common.db(
        request,
        schedule.set_weekly_hours,
        doctor_id,
        hours,
        policy,
        clock_now(request),
    )
    return await _doctor_page(request, doctor_id, affected)


@allow(*STAFF)
@redisplay(_the_doctors_page)
async def time_off_add(request: web.Request) -> web.StreamResponse:
    doctor_id = forms.route_id(request)
    form = await request.post()
    policy = await common.policy(request)
    affected = await common.db(
        request,
        schedule.add_time_off,
        doctor_id,
        _local(form, "start", policy.tz),
        _local(form, "end", policy.tz),
        forms.text(form, "reason", required=False, limit=200),
        policy,
    )
    return await _doctor_page(request, doctor_id, affected)


@allow(*STAFF)
async def time_off_remove(request: web.Request) -> web.StreamResponse:
    doctor_id = forms.route_id(request)
    await common.db(
        request,
        schedule.remove_time_off,
        doctor_id,
        forms.route_id(request, "off"),
    )
    raise common.redirect(request, "doctor", "time_off_removed", id=doctor_id)


@allow(*STAFF)
@redisplay(_the_doctors_page)
async def department_save(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    department_id = forms.route_id(request) if "id" in request.match_info else None
    await common.db(
        request,
        doctors.save_department,
        forms.text(form, "name", limit=120),
        department_id,
        names=_names(form),
    )
    raise common.redirect(request, "doctors", "department_saved")


@allow(*STAFF)
@redisplay(_the_doctors_page)
async def visit_type_save(request: web.Request) -> web.StreamResponse:
    """POST /visit-types (new) or /visit-types/{id} (edit)."""
    form = await request.post()
    visit_type_id = forms.route_id(request) if "id" in request.match_info else None
    await common.db(
        request,
        doctors.save_visit_type,
        forms.text(form, "name", limit=120),
        forms.integer(form, "minutes"),
        visit_type_id,
        names=_names(form),
    )
    raise common.redirect(request, "doctors", "visit_type_saved")


@allow(*STAFF)
async def department_active(request: web.Request) -> web.StreamResponse:
    active = forms.checkbox(await request.post(), "active")
    await common.db(
        request, doctors.set_department_active, forms.route_id(request), active
    )
    raise common.redirect(request, "doctors", "department_saved")


@allow(*STAFF)
@redisplay(_the_doctors_page)
async def closure_add(request: web.Request) -> web.StreamResponse:
    """Close the clinic on a day; visits already booked that day are listed."""
    form = await request.post()
    policy = await common.policy(request)
    affected = await common.db(
        request,
        schedule.add_closure,
        forms.date(form, "day"),
        forms.text(form, "name", required=False, limit=120),
        policy,
    )
    return await _list_page(request, affected)


@allow(*STAFF)
async def closure_remove(request: web.Request) -> web.StreamResponse:
    await common.db(request, schedule.remove_closure, forms.route_id(request))
    raise common.redirect(request, "doctors", "closure_removed")
