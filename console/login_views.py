"""Log in, log out, change your own password; admins reset others'."""

from __future__ import annotations

import logging

from aiohttp import web

from console import common, forms
from console.auth import (
    ADMIN,
    EVERYONE,
    PUBLIC,
    allow,
    current_user,
    end_session,
    start_session,
)
from console.auth import now as clock_now
from console.keys import GATEWAY
from console.render import render
from core.errors import DomainError
from core.staff.accounts import (
    check_password,
    end_sessions,
    login_candidate,
    new_password_hash,
    record_login,
    set_password,
)

log = logging.getLogger(__name__)


def _safe_next(target: str) -> str:
    """Only same-site paths: never bounce a user to another site after login."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@allow(*PUBLIC)
async def login_page(request: web.Request) -> web.StreamResponse:
    """Show the login form (or go home if already signed in)."""
    if await current_user(request):
        raise web.HTTPFound("/")
    context = {"next": _safe_next(request.query.get("next", "/")), "error": ""}
    return render("login.html", request, context)


@allow(*PUBLIC)
async def login_submit(request: web.Request) -> web.StreamResponse:
    """Check the password off the loop; count failures; start a fresh session."""
    form = await request.post()
    email = forms.text(form, "email", limit=200)
    password = forms.text(form, "password", limit=200)
    target = _safe_next(forms.text(form, "next", required=False) or "/")
    now = clock_now(request)
    gateway = request.app[GATEWAY]
    candidate = await gateway.run(login_candidate, email, now)
    if candidate.wait is not None:
        seconds = max(1, int(candidate.wait.total_seconds()))
        error = f"Too many failed attempts. Try again in {seconds} seconds."
        return _login_again(request, target, error, 429)
    ok = await common.off_loop(check_password, password, candidate.password_hash)
    source = request.remote or "?"
    user = await gateway.run(
        record_login,
        candidate.user_id,
        ok and candidate.user_id is not None,
        now,
        source,
    )
    if user is None:
        return _login_again(request, target, "Wrong email or password.", 401)
    start_session(request, user)
    raise web.HTTPSeeOther(target)


def _login_again(request, target: str, error: str, status: int) -> web.Response:
    context = {"next": target, "error": error}
    return render("login.html", request, context, status=status)


@allow(*EVERYONE)
async def logout(request: web.Request) -> web.StreamResponse:
    """End this session everywhere it was copied."""
    user = await current_user(request)
    await request.app[GATEWAY].run(end_sessions, user.id)
    end_session(request)
    raise web.HTTPSeeOther(request.app.router["login"].url_for())


@allow(*EVERYONE)
async def password_page(request: web.Request) -> web.StreamResponse:
    return render("password.html", request, {"error": ""})


@allow(*EVERYONE)
async def password_submit(request: web.Request) -> web.StreamResponse:
    """Change your own password; other sessions of yours end, this one goes on."""
    user = await current_user(request)
    form = await request.post()
    current = forms.text(form, "current", limit=200)
    gateway = request.app[GATEWAY]
    now = clock_now(request)
    candidate = await gateway.run(login_candidate, user.email, now)
    if candidate.wait is not None:
        # The same slow-down and lockout as the login form: a stolen session
        # must not be a way to guess the password without limit.
        seconds = max(1, int(candidate.wait.total_seconds()))
        error = f"Too many wrong passwords; try again in {seconds} seconds."
        return render("password.html", request, {"error": error}, status=429)
    if not await common.off_loop(check_password, current, candidate.password_hash):
        await gateway.run(record_login, user.id, False, now, request.remote or "")
        return render(
            "password.html",
            request,
            {"error": "Your current password is wrong."},
            status=400,
        )
    try:
        new_hash = await common.off_loop(
            new_password_hash,
            forms.text(form, "new", limit=200),
            forms.text(form, "confirm", limit=200),
        )
    except DomainError as exc:
        return render("password.html", request, {"error": str(exc)}, status=400)
    fresh = await gateway.run(set_password, user.id, new_hash, now)
    start_session(request, fresh)
    raise web.HTTPSeeOther("/?notice=Password+changed")


@allow(*ADMIN)
async def reset_password(request: web.Request) -> web.StreamResponse:
    """An admin sets a new password for a staff member; their sessions end."""
    user_id = forms.route_id(request)
    form = await request.post()
    try:
        new_hash = await common.off_loop(
            new_password_hash,
            forms.text(form, "new", limit=200),
            forms.text(form, "confirm", limit=200),
        )
        await request.app[GATEWAY].run(
            set_password, user_id, new_hash, clock_now(request)
        )
    except DomainError as exc:
        raise forms.domain_http_error(exc) from None
    actor = await current_user(request)
    log.info("staff %s reset the password of staff %s", actor.id, user_id)
    raise web.HTTPSeeOther("/staff?notice=Password+reset")
