"""Today: the board staff keep open all day; refreshed live by console/live.py."""

from __future__ import annotations

from aiohttp import web

from console import common
from console.auth import EVERYONE, allow
from console.auth import now as clock_now
from console.render import render
from core.clinic.booking import CHECK_IN_EARLY
from core.staff.accounts import lockouts
from core.views.grid import needs_follow_up
from core.views.schedule import today_board


async def _board(request: web.Request) -> dict:
    user = await common.user(request)
    policy = await common.policy(request)
    board = await common.db(
        request,
        today_board,
        policy,
        clock_now(request),
        common.doctor_scope(user),
        user.role != "doctor",
    )
    board["follow_up"] = await common.db(
        request, needs_follow_up, policy, clock_now(request), common.doctor_scope(user)
    )
    if user.role == "admin":  # someone guessing staff passwords
        board["lockouts"] = await common.db(
            request, lockouts, clock_now(request), policy.tz
        )
    now = clock_now(request).astimezone(policy.tz)
    return {"board": board, "policy": policy, "now": now, "early": CHECK_IN_EARLY}


@allow(*EVERYONE)
async def today(request: web.Request) -> web.StreamResponse:
    """The full Today page."""
    return render("today.html", request, await _board(request))


@allow(*EVERYONE)
async def today_fragment(request: web.Request) -> web.StreamResponse:
    """Just the board, for the live-update script to swap in."""
    return render("_today_board.html", request, await _board(request))
