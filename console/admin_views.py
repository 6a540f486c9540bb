"""Admin only: clinic settings and staff users."""

from __future__ import annotations

import logging

from aiohttp import web

from console import common, forms
from console.auth import ADMIN, allow
from console.auth import now as clock_now
from console.render import render
from core.errors import DomainError
from core.staff.accounts import (
    ROLES,
    add_staff,
    list_staff,
    new_password_hash,
    update_staff,
)
from core.staff.doctors import doctor_admin_list
from core.staff.policy_edit import BOUNDS, LANGUAGES, update_policy

log = logging.getLogger(__name__)


@allow(*ADMIN)
async def settings_page(request: web.Request) -> web.StreamResponse:
    policy = await common.policy(request)
    context = {"policy": policy, "bounds": BOUNDS, "languages": LANGUAGES}
    return render("settings.html", request, context)


@allow(*ADMIN)
async def settings_save(request: web.Request) -> web.StreamResponse:
    """Save the clinic policy; any bad field is a 400 and nothing changes."""
    form = await request.post()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    await common.db(request, update_policy, values)
    user = await common.user(request)
    log.info("staff %s changed the clinic settings", user.id)
    raise common.redirect(request, "settings", "settings_saved")


@allow(*ADMIN)
async def staff_page(request: web.Request) -> web.StreamResponse:
    context = {
        "users": await common.db(
            request, list_staff, clock_now(request), (await common.policy(request)).tz
        ),
        "doctors": await common.db(request, doctor_admin_list),
        "roles": ROLES,
    }
    return render("staff.html", request, context)


@allow(*ADMIN)
async def staff_add(request: web.Request) -> web.StreamResponse:
    """New login; bcrypt runs off the loop, then one insert on the DB thread."""
    form = await request.post()
    email = forms.text(form, "email", limit=200)
    role = forms.text(form, "role", limit=20)
    doctor_id = forms.integer(form, "doctor", required=False)
    password = forms.text(form, "password", limit=200)
    try:
        password_hash = await common.off_loop(new_password_hash, password, password)
    except DomainError as exc:
        raise forms.domain_http_error(exc) from None
    await common.db(
        request, add_staff, email, role, doctor_id, password_hash, clock_now(request)
    )
    raise common.redirect(request, "staff", "login_created")


@allow(*ADMIN)
async def staff_update(request: web.Request) -> web.StreamResponse:
    user = await common.user(request)
    form = await request.post()
    await common.db(
        request,
        update_staff,
        forms.route_id(request),
        forms.text(form, "role", limit=20),
        forms.checkbox(form, "active"),
        user.id,
    )
    raise common.redirect(request, "staff", "staff_saved")
