"""Log in, log out, change your own password; admins reset others'."""

from __future__ import annotations

import logging
import math
import urllib.parse

import yarl
from aiohttp import web

from bot import metrics
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
    begin_login,
    check_password,
    end_sessions,
    finish_login,
    new_password_hash,
    set_password,
)

log = logging.getLogger(__name__)


def _safe_next(target: str) -> str:
    """A same-site path to go to after login, or "/": never another site.

    Browsers and URL libraries drop tabs and newlines and read a backslash
    as a slash, so "/%09/evil.example" becomes "//evil.example". The target
    is judged decoded, as they will read it, and kept only when it is a
    plain path: no control characters or backslashes, no scheme, no host.
    """
    decoded = target
    for _ in range(3):  # %252F%252F is "//" after two decodings
        decoded = urllib.parse.unquote(decoded)
    if decoded != decoded.strip() or any(ch < " " or ch in "\x7f\\" for ch in decoded):
        return "/"
    if not decoded.startswith("/") or decoded.startswith("//"):
        return "/"  # "///host" has an empty netloc to urlsplit, a host to browsers
    parts = urllib.parse.urlsplit(decoded)
    if parts.scheme or parts.netloc or parts.path.startswith("//"):
        return "/"
    try:  # and as aiohttp will write it into the Location header
        url = yarl.URL(target)
    except ValueError:
        return "/"
    if url.is_absolute() or not url.path.startswith("/") or url.path.startswith("//"):
        return "/"
    return target


@allow(*PUBLIC)
async def login_page(request: web.Request) -> web.StreamResponse:
    """Show the login form (or go home if already signed in)."""
    if await current_user(request):
        raise web.HTTPFound("/")
    context = {"next": _safe_next(request.query.get("next", "/")), "error": ""}
    return render("login.html", request, context)


@allow(*PUBLIC)
async def login_submit(request: web.Request) -> web.StreamResponse:
    """Reserve the attempt, check the password off the loop, start a session."""
    form = await request.post()
    email = forms.text(form, "email", limit=200)
    password = forms.text(form, "password", limit=200)
    target = _safe_next(forms.text(form, "next", required=False) or "/")
    user = await _sign_in(request, email, password)
    if isinstance(user, str):
        return _login_again(request, target, user, 429)
    if user is None:
        return _login_again(request, target, "Wrong email or password.", 401)
    start_session(request, user)
    raise web.HTTPSeeOther(target)


async def _sign_in(request: web.Request, email: str, password: str):
    """The signed-in user, None for a wrong password, or why it must wait."""
    now = clock_now(request)
    gateway = request.app[GATEWAY]
    attempt = await gateway.run_write(begin_login, email, request.remote or "?", now)
    if attempt.wait is not None:
        metrics.FAILED_LOGINS.labels("throttled").inc()
        seconds = max(1, math.ceil(attempt.wait.total_seconds()))
        unit = "second" if seconds == 1 else "seconds"
        return f"Too many sign-in attempts. Try again in {seconds} {unit}."
    ok = await common.off_loop(check_password, password, attempt.password_hash)
    user = await gateway.run_write(finish_login, attempt, ok, now)
    if user is None:
        metrics.FAILED_LOGINS.labels("wrong_password").inc()
    return user


def _login_again(request, target: str, error: str, status: int) -> web.Response:
    context = {"next": target, "error": error}
    return render("login.html", request, context, status=status)


@allow(*EVERYONE)
async def logout(request: web.Request) -> web.StreamResponse:
    """End this session everywhere it was copied."""
    user = await current_user(request)
    await request.app[GATEWAY].run_write(end_sessions, user.id)
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
    # The same throttle as the login form: a stolen session must not be a
    # way to guess the password without limit.
    checked = await _sign_in(request, user.email, current)
    if isinstance(checked, str):
        return render("password.html", request, {"error": checked}, status=429)
    if checked is None:
        error = "Your current password is wrong."
        return render("password.html", request, {"error": error}, status=400)
    try:
        new_hash = await hashed_new_password(form)
    except DomainError as exc:
        return render("password.html", request, {"error": str(exc)}, status=400)
    fresh = await request.app[GATEWAY].run_write(
        set_password, user.id, new_hash, clock_now(request)
    )
    start_session(request, fresh)
    raise web.HTTPSeeOther("/?notice=password_changed")


async def hashed_new_password(form) -> str:
    """The bcrypt hash of the form's new password (typed twice), off the loop.

    Raises DomainError when the two differ or the password is too weak.
    """
    return await common.off_loop(
        new_password_hash,
        forms.text(form, "new", limit=200),
        forms.text(form, "confirm", limit=200),
    )


@allow(*ADMIN)
async def reset_password(request: web.Request) -> web.StreamResponse:
    """An admin sets a new password for a staff member; their sessions end."""
    user_id = forms.route_id(request)
    form = await request.post()
    try:
        new_hash = await hashed_new_password(form)
        await request.app[GATEWAY].run_write(
            set_password, user_id, new_hash, clock_now(request)
        )
    except DomainError as exc:
        raise forms.domain_http_error(exc) from None
    actor = await current_user(request)
    log.info("staff %s reset the password of staff %s", actor.id, user_id)
    raise web.HTTPSeeOther("/staff?notice=password_reset")
