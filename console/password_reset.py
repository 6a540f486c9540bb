"""Forgot password: ask for a link by email, then set a new password from it.

Both pages are public (no session needed) and CSRF-checked like every form.
Asking always gets the same page, whether or not the address has a login
or a limit held; the link's rules are core.staff.password_reset's.
"""

from __future__ import annotations

import logging

from aiohttp import web

from console import common, forms
from console.auth import PUBLIC, allow
from console.auth import now as clock_now
from console.keys import DISPATCHER, GATEWAY, SETTINGS
from console.login_views import hashed_new_password
from console.render import render
from core.errors import DomainError
from core.staff import password_reset

log = logging.getLogger(__name__)

SENT = (
    "If that address belongs to an active staff account, we have sent a link"
    " to it. It is valid for 30 minutes."
)
TOKEN_PATTERN = r"[A-Za-z0-9_.\-]{1,400}"  # itsdangerous's URL-safe alphabet


LOOPBACK = ("localhost", "127.0.0.1", "::1", "[::1]")


def _base_url(request: web.Request) -> str | None:
    """Where the link points: CLINICBOT_PUBLIC_URL, or a loopback host (the demo).

    Anyone can send any Host header; a link built from it would hand the
    staff member's token to the sender's own site. Without a public URL,
    only a request to this machine itself is trusted.
    """
    public = request.app[SETTINGS].public_url
    if public:
        return public
    if (request.url.host or "") in LOOPBACK:
        return str(request.url.origin())
    return None


def _language(request: web.Request) -> str:
    """Spanish for a browser that asks for it first, else English."""
    first = request.headers.get("Accept-Language", "").split(",")[0].strip().lower()
    return "es" if first.startswith("es") else "en"


@allow(*PUBLIC)
async def forgot_page(request: web.Request) -> web.StreamResponse:
    """Ask for the address to send a reset link to."""
    return render("password_forgot.html", request, {"sent": ""})


@allow(*PUBLIC)
async def forgot_submit(request: web.Request) -> web.StreamResponse:
    """Queue a link if the address has a login; answer the same either way."""
    form = await request.post()
    email = forms.text(form, "email", limit=200)
    settings = request.app[SETTINGS]
    base_url = _base_url(request)
    if base_url is None:
        log.error(
            "password reset refused: set CLINICBOT_PUBLIC_URL so links cannot be"
            " pointed elsewhere by a forged Host header"
        )
        return render("password_forgot.html", request, {"sent": SENT})
    requested = await request.app[GATEWAY].run_write(
        password_reset.request_reset,
        email,
        request.remote or "?",
        clock_now(request),
        secret=settings.secret_key,
        base_url=base_url,
        lang=_language(request),
    )
    if requested.outcome == "queued":
        if settings.email_configured:
            log.info("password reset link queued for staff %s", requested.staff_id)
        else:
            log.warning(
                "password reset for staff %s not sent: email is off"
                " (CLINICBOT_SMTP_URL is not set)",
                requested.staff_id,
            )
        if DISPATCHER in request.app:
            request.app[DISPATCHER].wake()
    elif requested.outcome == "limited":
        log.warning("password reset for staff %s: rate limited", requested.staff_id)
    else:
        log.info("password reset asked for an address with no active login")
    return render("password_forgot.html", request, {"sent": SENT})


def _expired(request: web.Request) -> web.Response:
    return render("password_reset.html", request, {"expired": True}, status=410)


def _form(request: web.Request, token: str, error: str = "", status: int = 200):
    context = {"expired": False, "token": token, "error": error}
    return render("password_reset.html", request, context, status=status)


@allow(*PUBLIC)
async def reset_page(request: web.Request) -> web.StreamResponse:
    """The new-password form, for a link that is still good."""
    token = request.match_info["token"]
    secret = request.app[SETTINGS].secret_key
    staff_id = await request.app[GATEWAY].run(
        password_reset.check, secret, token, clock_now(request)
    )
    if staff_id is None:
        return _expired(request)
    return _form(request, token)


@allow(*PUBLIC)
async def reset_submit(request: web.Request) -> web.StreamResponse:
    """Set the new password; every session of that login ends."""
    token = request.match_info["token"]
    secret = request.app[SETTINGS].secret_key
    gateway = request.app[GATEWAY]
    if await gateway.run(password_reset.check, secret, token, clock_now(request)):
        form = await request.post()
        try:
            new_hash = await hashed_new_password(form)
        except DomainError as exc:
            return _form(request, token, str(exc), status=400)
        # Checked again under the row's lock: of two uses, one wins.
        if await gateway.run_write(
            password_reset.reset, secret, token, new_hash, clock_now(request)
        ):
            raise common.redirect(request, "login", "password_set")
    return _expired(request)
