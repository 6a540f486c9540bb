"""Patients: search, a patient's visits and transcript, contact details, replies."""

from __future__ import annotations

from aiohttp import web

from bot.providers import configured_channels
from console import common, forms
from console.auth import EVERYONE, STAFF, allow
from console.auth import now as clock_now
from console.filters import channel
from console.inbox_views import REPLY_NOTICES
from console.keys import GATEWAY, SETTINGS
from console.redisplay import redisplay
from console.render import render
from core.errors import DomainError, InvalidInput
from core.messaging.outbox import CHANNEL_ORDER
from core.messaging.patients import CHOOSABLE, set_contact
from core.messaging.texts import LANGUAGES
from core.staff.patients import reply_to_patient
from core.views.patients import patient_page, search_patients

# Each language by its own name, as a patient would look for it.
LANGUAGE_NAMES = {"en": "English", "es": "Español"}
# "" in CHOOSABLE: ClinicBot picks, in CHANNEL_ORDER.
AUTOMATIC = "Automatic ({})".format(
    ", ".join(channel(c).replace("Email", "email") for c in CHANNEL_ORDER)
)
CONTACT_FIELDS = ("email", "preferred_channel", "language")


@allow(*EVERYONE)
async def patient_search(request: web.Request) -> web.StreamResponse:
    """Search by name, phone or email; a doctor finds only their own patients."""
    user = await common.user(request)
    q = forms.text(request.query, "q", required=False, limit=100)
    scope = common.doctor_scope(user)
    doctor_id = scope[0] if scope else (-1 if scope == [] else None)
    found = await common.db(request, search_patients, q, 50, doctor_id)
    return render("patients.html", request, {"q": q, "patients": found})


async def _page(request: web.Request) -> dict:
    """The patient page's context (404 for a doctor's non-patient)."""
    user = await common.user(request)
    scope = common.doctor_scope(user)
    doctor_id = scope[0] if scope else (-1 if scope == [] else None)
    policy = await common.policy(request)
    context = await common.db(
        request,
        patient_page,
        forms.route_id(request),
        policy,
        doctor_id,
        configured=configured_channels(request.app[SETTINGS]),
        now=clock_now(request),
    )
    patient = context["patient"]
    context |= {
        "can_reply": user.role != "doctor",
        "can_edit": user.role in STAFF,
        "channel_choices": [(c, channel(c) if c else AUTOMATIC) for c in CHOOSABLE],
        "language_choices": [(lang, LANGUAGE_NAMES[lang]) for lang in LANGUAGES],
        "contact": {name: patient[name] for name in CONTACT_FIELDS},
        "language_name": LANGUAGE_NAMES.get(patient["language"], patient["language"]),
        "errors": {},
    }
    return context


@allow(*EVERYONE)
async def patient(request: web.Request) -> web.StreamResponse:
    """Visits, how the patient is reached, and the transcript across channels."""
    return render("patient.html", request, await _page(request))


@allow(*STAFF)
async def patient_contact(request: web.Request) -> web.StreamResponse:
    """Save email, preferred channel and language; a bad field is shown beside it."""
    patient_id = forms.route_id(request)
    form = await request.post()
    if any(name not in form for name in CONTACT_FIELDS):
        # A form from another page would otherwise reset the missing fields.
        raise forms.bad("The form is incomplete: reload the patient page.")
    values = {
        name: forms.text(form, name, required=False, limit=300)
        for name in CONTACT_FIELDS
    }
    try:
        await request.app[GATEWAY].run_write(
            set_contact,
            patient_id,
            email=values["email"] or None,
            preferred_channel=values["preferred_channel"],
            language=values["language"],
        )
    except InvalidInput as exc:
        if exc.field not in CONTACT_FIELDS:
            raise forms.domain_http_error(exc) from None
        context = await _page(request)
        context["contact"] = values  # what was typed, to correct
        context["errors"] = {exc.field: str(exc)}
        return render("patient.html", request, context, status=400)
    except DomainError as exc:  # the patient is gone
        raise forms.domain_http_error(exc) from None
    raise common.redirect(request, "patient", "contact_saved", id=patient_id)


@allow(*STAFF)
@redisplay(patient)
async def patient_reply(request: web.Request) -> web.StreamResponse:
    """Queue a reply on the patient's channel; the dispatcher sends it."""
    patient_id = forms.route_id(request)
    form = await request.post()
    # Empty or too long: core says so, and the page shows it by the box.
    body = forms.text(form, "body", required=False, limit=2000)
    message = await common.db(
        request, reply_to_patient, patient_id, body, clock_now(request)
    )
    # A simulator patient's reply is "sent" as soon as it is stored.
    notice = REPLY_NOTICES.get(message.status, "reply_not_sent")
    back = forms.text(form, "back", required=False, limit=20)
    if back == "inbox":
        raise common.redirect(request, "inbox", notice)
    raise common.redirect(request, "patient", notice, id=patient_id)
