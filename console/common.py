"""Small helpers every console page uses."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from aiohttp import web

from console import forms
from console.auth import current_user
from console.keys import GATEWAY
from core.errors import DomainError
from core.policy import Policy, load_policy
from core.staff.accounts import SessionUser

T = TypeVar("T")


READS = frozenset({"GET", "HEAD", "OPTIONS"})


async def db(request: web.Request, fn: Callable[..., T], *args, **kwargs) -> T:
    """Run core code through the gateway; rule violations become 4xx pages.

    A POST's work goes as a write (run_write), so that another process
    holding SQLite's write lock parks it instead of freezing the loop.
    """
    gateway = request.app[GATEWAY]
    run = gateway.run if request.method in READS else gateway.run_write
    try:
        return await run(fn, *args, **kwargs)
    except DomainError as exc:
        raise forms.domain_http_error(exc) from None


async def policy(request: web.Request) -> Policy:
    return await request.app[GATEWAY].run(load_policy)


async def user(request: web.Request) -> SessionUser:
    """The signed-in user (handlers behind allow() always have one)."""
    found = await current_user(request)
    assert found is not None, "handler registered without allow()"
    return found


def doctor_scope(user: SessionUser) -> list[int] | None:
    """A doctor sees only their own calendar; staff and admins see everyone's."""
    if user.role == "doctor":
        return [user.doctor_id] if user.doctor_id else []
    return None


def redirect(
    request: web.Request, name: str, notice: str = "", **parts
) -> web.HTTPSeeOther:
    """303 to a named route, with a notice (a key of console.notices) on arrival."""
    url = request.app.router[name].url_for(**{k: str(v) for k, v in parts.items()})
    if notice:
        url = url.with_query(notice=notice)
    return web.HTTPSeeOther(url)


async def off_loop(fn, *args):
    """bcrypt takes ~250 ms: keep it off the event loop and the database thread."""
    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)


def telling(form) -> dict:
    """A change form's "don't tell the patient" box and its reason, for core.booking.

    Unticked (or absent, as from a script) the patient is told.
    """
    return {
        "tell": not forms.checkbox(form, "dont_tell"),
        "untold_reason": forms.text(form, "untold_reason", required=False, limit=200),
    }
