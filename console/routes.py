"""Staff console wiring: pages, auth and middlewares."""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

import templates
from console import (
    admin_views,
    appointments,
    calendar_views,
    doctors,
    inbox_views,
    integrations_views,
    login_views,
    password_reset,
    patients,
    records_views,
    simulator,
    stats_views,
    today,
    webhooks_views,
)
from console.auth import session_middleware
from console.filters import FILTERS
from console.keys import CLOCK, SESSION_CODEC, SETTINGS
from console.live import events, setup_live
from console.middlewares import error_pages, setup_security
from console.session import SessionCodec

TEMPLATES = Path(templates.__file__).parent / "console"
STATIC = TEMPLATES / "static"


# method, path, handler, name: every console page, in one table.
ROUTES = [
    ("GET", "/login", login_views.login_page, "login"),
    ("POST", "/login", login_views.login_submit, "login_submit"),
    ("POST", "/logout", login_views.logout, "logout"),
    ("GET", "/password", login_views.password_page, "password"),
    ("POST", "/password", login_views.password_submit, "password_submit"),
    ("GET", "/password/forgot", password_reset.forgot_page, "password_forgot"),
    ("POST", "/password/forgot", password_reset.forgot_submit, "password_sendlink"),
    (
        "GET",
        f"/password/reset/{{token:{password_reset.TOKEN_PATTERN}}}",
        password_reset.reset_page,
        "password_reset",
    ),
    (
        "POST",
        f"/password/reset/{{token:{password_reset.TOKEN_PATTERN}}}",
        password_reset.reset_submit,
        "password_reset_submit",
    ),
    ("POST", r"/staff/{id:\d+}/password", login_views.reset_password, "staff_password"),
    ("GET", "/", today.today, "today"),
    ("GET", "/today/board", today.today_fragment, "today_board"),
    ("GET", "/calendar", calendar_views.calendar, "calendar"),
    ("GET", "/appointments/new", calendar_views.new_appointment, "appointment_new"),
    ("POST", "/appointments", calendar_views.book, "appointment_book"),
    ("GET", r"/appointments/{id:\d+}", appointments.appointment, "appointment"),
    (
        "POST",
        r"/appointments/{id:\d+}/{action}",
        appointments.appointment_action,
        "appointment_action",
    ),
    ("GET", "/doctors", doctors.doctor_list, "doctors"),
    ("POST", "/doctors", doctors.doctor_save, "doctor_create"),
    ("GET", r"/doctors/{id:\d+}", doctors.doctor_page, "doctor"),
    ("POST", r"/doctors/{id:\d+}", doctors.doctor_save, "doctor_save"),
    ("POST", r"/doctors/{id:\d+}/active", doctors.doctor_active, "doctor_active"),
    ("POST", r"/doctors/{id:\d+}/hours", doctors.doctor_hours, "doctor_hours"),
    ("POST", r"/doctors/{id:\d+}/time-off", doctors.time_off_add, "time_off_add"),
    (
        "POST",
        r"/doctors/{id:\d+}/time-off/{off:\d+}/delete",
        doctors.time_off_remove,
        "time_off_remove",
    ),
    ("POST", "/departments", doctors.department_save, "department_create"),
    ("POST", r"/departments/{id:\d+}", doctors.department_save, "department_save"),
    (
        "POST",
        r"/departments/{id:\d+}/active",
        doctors.department_active,
        "department_active",
    ),
    ("POST", "/visit-types", doctors.visit_type_save, "visit_type_create"),
    ("POST", r"/visit-types/{id:\d+}", doctors.visit_type_save, "visit_type_save"),
    ("POST", "/closures", doctors.closure_add, "closure_add"),
    ("POST", r"/closures/{id:\d+}/delete", doctors.closure_remove, "closure_remove"),
    ("GET", "/patients", patients.patient_search, "patients"),
    ("GET", r"/patients/{id:\d+}", patients.patient, "patient"),
    ("POST", r"/patients/{id:\d+}/reply", patients.patient_reply, "patient_reply"),
    (
        "POST",
        r"/patients/{id:\d+}/contact",
        patients.patient_contact,
        "patient_contact",
    ),
    ("GET", "/inbox", inbox_views.inbox, "inbox"),
    ("POST", r"/inbox/{id:\d+}/reply", inbox_views.inbox_reply, "inbox_reply"),
    ("POST", r"/inbox/{id:\d+}/assign", inbox_views.inbox_assign, "inbox_assign"),
    (
        "POST",
        r"/inbox/{id:\d+}/unassign",
        inbox_views.inbox_unassign,
        "inbox_unassign",
    ),
    ("POST", r"/inbox/{id:\d+}/resolve", inbox_views.inbox_resolve, "inbox_resolve"),
    ("POST", r"/inbox/{id:\d+}/unread", inbox_views.inbox_unread, "inbox_unread"),
    ("GET", "/inbox/replies", inbox_views.replies_page, "saved_replies"),
    ("POST", "/inbox/replies", inbox_views.reply_create, "saved_reply_create"),
    (
        "POST",
        r"/inbox/replies/{id:\d+}",
        inbox_views.reply_update,
        "saved_reply_update",
    ),
    (
        "POST",
        r"/inbox/replies/{id:\d+}/delete",
        inbox_views.reply_delete,
        "saved_reply_delete",
    ),
    ("GET", "/waitlist", records_views.waitlist, "waitlist"),
    (
        "POST",
        r"/waitlist/{id:\d+}/remove",
        records_views.waitlist_remove,
        "waitlist_remove",
    ),
    ("GET", "/messages", records_views.messages, "messages"),
    ("GET", "/audit", records_views.audit, "audit"),
    ("GET", "/settings", admin_views.settings_page, "settings"),
    ("POST", "/settings", admin_views.settings_save, "settings_save"),
    ("POST", "/settings/facts", admin_views.settings_facts_save, "settings_facts"),
    (
        "GET",
        "/settings/integrations",
        integrations_views.integrations_page,
        "integrations",
    ),
    (
        "POST",
        "/settings/integrations/tokens",
        integrations_views.token_create,
        "api_token_create",
    ),
    (
        "POST",
        r"/settings/integrations/tokens/{id:\d+}/revoke",
        integrations_views.token_revoke,
        "api_token_revoke",
    ),
    (
        "POST",
        "/settings/integrations/feeds",
        integrations_views.feed_create,
        "calendar_feed_create",
    ),
    (
        "POST",
        r"/settings/integrations/feeds/{id:\d+}/names",
        integrations_views.feed_names,
        "calendar_feed_names",
    ),
    (
        "POST",
        r"/settings/integrations/feeds/{id:\d+}/revoke",
        integrations_views.feed_revoke,
        "calendar_feed_revoke",
    ),
    ("GET", "/settings/webhooks", webhooks_views.webhooks_page, "webhooks"),
    ("POST", "/settings/webhooks", webhooks_views.webhook_register, "webhook_register"),
    (
        "POST",
        r"/settings/webhooks/{id:\d+}/active",
        webhooks_views.webhook_active,
        "webhook_active",
    ),
    (
        "POST",
        r"/settings/webhooks/{id:\d+}/delete",
        webhooks_views.webhook_delete,
        "webhook_delete",
    ),
    (
        "POST",
        r"/settings/webhooks/deliveries/{id:\d+}/replay",
        webhooks_views.delivery_replay,
        "webhook_replay",
    ),
    ("GET", "/staff", admin_views.staff_page, "staff"),
    ("POST", "/staff", admin_views.staff_add, "staff_add"),
    ("POST", r"/staff/{id:\d+}", admin_views.staff_update, "staff_update"),
    ("GET", "/stats", stats_views.stats_page, "stats"),
    ("GET", "/stats.csv", stats_views.stats_csv, "stats_csv"),
    ("GET", "/simulator", simulator.simulator, "simulator"),
    ("POST", "/simulator", simulator.simulator_send, "simulator_send"),
    ("GET", "/events", events, "events"),
]


def _routes(app: web.Application) -> None:
    for method, path, handler, name in ROUTES:
        app.router.add_route(method, path, handler, name=name)


def setup_console(app: web.Application) -> None:
    """Register the console's routes, templates and middlewares."""
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "svg"], default=True),
    )
    env.filters.update(FILTERS)
    app[SESSION_CODEC] = SessionCodec(app[SETTINGS].secret_key, app[CLOCK])
    # Order matters: the session is read first, so error pages know the user.
    app.middlewares.append(session_middleware)
    app.middlewares.append(error_pages)
    app.middlewares.append(inbox_views.unread_in_nav)  # needs the session
    setup_security(app)
    setup_live(app)
    _routes(app)
    app.router.add_static("/static", STATIC, name="static")
