"""Patients: search, a patient's visits and transcript, replying through the outbox."""

from __future__ import annotations

from aiohttp import web

from console import common, forms
from console.auth import EVERYONE, STAFF, allow
from console.auth import now as clock_now
from console.render import render
from core.staff.patients import reply_to_patient
from core.views.patients import patient_page, search_patients


@allow(*EVERYONE)
async def patient_search(request: web.Request) -> web.StreamResponse:
    """Search by name or phone; a doctor finds only their own patients."""
    user = await common.user(request)
    q = forms.text(request.query, "q", required=False, limit=100)
    scope = common.doctor_scope(user)
    doctor_id = scope[0] if scope else (-1 if scope == [] else None)
    found = await common.db(request, search_patients, q, 50, doctor_id)
    return render("patients.html", request, {"q": q, "patients": found})


@allow(*EVERYONE)
async def patient(request: web.Request) -> web.StreamResponse:
    """Visits, whole transcript across SMS and Telegram, opt-out state."""
    user = await common.user(request)
    scope = common.doctor_scope(user)
    doctor_id = scope[0] if scope else (-1 if scope == [] else None)
    policy = await common.policy(request)
    context = await common.db(
        request, patient_page, forms.route_id(request), policy, doctor_id
    )
    context["can_reply"] = user.role != "doctor"
    return render("patient.html", request, context)


@allow(*STAFF)
async def patient_reply(request: web.Request) -> web.StreamResponse:
    """Queue a reply on the patient's channel; the dispatcher sends it."""
    patient_id = forms.route_id(request)
    form = await request.post()
    body = forms.text(form, "body", limit=2000)
    message = await common.db(
        request, reply_to_patient, patient_id, body, clock_now(request)
    )
    notice = "reply_queued" if message.status == "queued" else "reply_not_sent"
    back = forms.text(form, "back", required=False, limit=20)
    if back == "inbox":
        raise common.redirect(request, "inbox", notice)
    raise common.redirect(request, "patient", notice, id=patient_id)
