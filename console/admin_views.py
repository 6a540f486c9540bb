"""Admin only: clinic settings and staff users."""

from __future__ import annotations

import logging
from zoneinfo import available_timezones

from aiohttp import web

from console import common, forms
from console.auth import ADMIN, allow
from console.auth import now as clock_now
from console.keys import GATEWAY
from console.redisplay import redisplay
from console.render import render
from core.errors import DomainError, InvalidInput
from core.messaging.texts import LANGUAGE_NAMES
from core.policy import lead_words
from core.staff.accounts import (
    ROLES,
    add_staff,
    list_staff,
    new_password_hash,
    update_staff,
)
from core.staff.doctors import doctor_admin_list
from core.staff.policy_edit import (
    ANSWER_LIMIT,
    BOUNDS,
    FACT_LABELS,
    LANGUAGES,
    QUESTION_LIMIT,
    facts_form,
    update_facts,
    update_policy,
)

log = logging.getLogger(__name__)

# The zones the Settings picker offers (typing any other valid name works too).
TIME_ZONES = sorted(
    zone
    for zone in available_timezones()
    if "/" in zone and not zone.startswith("Etc/")
)


def _settings_context(policy, error: dict | None = None, values=None) -> dict:
    return {
        "policy": policy,
        "error": error,
        "values": values,
        "time_zones": TIME_ZONES,
        "leads_in_words": ", ".join(lead_words(m) for m in policy.reminder_leads),
        "bounds": BOUNDS,
        "languages": LANGUAGES,
        "language_names": LANGUAGE_NAMES,
        "facts": facts_form(policy),
        "fact_labels": FACT_LABELS,
        "answer_limit": ANSWER_LIMIT,
        "question_limit": QUESTION_LIMIT,
    }


@allow(*ADMIN)
async def settings_page(request: web.Request) -> web.StreamResponse:
    policy = await common.policy(request)
    return render("settings.html", request, _settings_context(policy))


@allow(*ADMIN)
async def settings_save(request: web.Request) -> web.StreamResponse:
    """Save the clinic policy; a bad field is shown beside it and nothing changes."""
    form = await request.post()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        await request.app[GATEWAY].run_write(update_policy, values)
    except InvalidInput as refused:
        policy = await common.policy(request)
        error = {"field": refused.field, "message": str(refused)}
        context = _settings_context(policy, error, values)
        return render("settings.html", request, context, status=400)
    user = await common.user(request)
    log.info("staff %s changed the clinic settings", user.id)
    raise common.redirect(request, "settings", "settings_saved")


def _strings(form, name: str) -> list[str]:
    values = form.getall(name, [])
    if not all(isinstance(value, str) for value in values):
        raise forms.bad(f"{name} must be text.")
    return values


def _facts_of(form, lang: str) -> dict:
    """One language's fields of the facts form, as core.staff.policy_edit takes them.

    Every field must be there (a form from another page or version would
    otherwise wipe the missing facts); the custom rows come as repeated
    <lang>_q and <lang>_a fields, paired in page order.
    """
    facts: dict = {}
    for key in FACT_LABELS:
        values = _strings(form, f"{lang}_{key}")
        if len(values) != 1:
            raise forms.bad("The form is incomplete: reload Settings and try again.")
        facts[key] = values[0]  # lengths are core's to check, with a clear message
    questions, answers = _strings(form, f"{lang}_q"), _strings(form, f"{lang}_a")
    if len(questions) != len(answers):
        raise forms.bad("Each question needs its answer field.")
    facts["custom"] = [
        {"q": q, "a": a} for q, a in zip(questions, answers, strict=True)
    ]
    return facts


@allow(*ADMIN)
async def settings_facts_save(request: web.Request) -> web.StreamResponse:
    """Save what the bot tells patients; any bad field is a 400 and nothing changes."""
    form = await request.post()
    facts = {lang: _facts_of(form, lang) for lang in LANGUAGES}
    try:
        await request.app[GATEWAY].run_write(update_facts, facts)
    except InvalidInput as refused:
        # The form again with what was typed, the reason above it.
        policy = await common.policy(request)
        context = _settings_context(policy)
        context["facts_error"] = str(refused)
        context["facts"] = {
            lang: {
                **{key: typed[key] for key in FACT_LABELS},
                "custom": [(row["q"], row["a"]) for row in typed["custom"]],
            }
            for lang, typed in facts.items()
        }
        return render("settings.html", request, context, status=400)
    user = await common.user(request)
    log.info("staff %s changed what the bot tells patients", user.id)
    raise common.redirect(request, "settings", "facts_saved")


@allow(*ADMIN)
async def staff_page(request: web.Request) -> web.StreamResponse:
    return await _staff_page(request)


async def _staff_page(request: web.Request) -> web.StreamResponse:
    context = {
        "users": await common.db(
            request, list_staff, clock_now(request), (await common.policy(request)).tz
        ),
        "doctors": await common.db(request, doctor_admin_list),
        "roles": ROLES,
    }
    return render("staff.html", request, context)


@allow(*ADMIN)
@redisplay(_staff_page)
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
