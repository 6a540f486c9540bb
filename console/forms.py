"""Reading form and query values: bad input becomes a clear 400, never a crash."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from aiohttp import web

from core.errors import DomainError, InvalidInput, NotFound


def bad(message: str, field: str = "") -> web.HTTPBadRequest:
    """400 with the form field it is about, for a page to show beside it."""
    refused = web.HTTPBadRequest(text=message)
    refused.field = field  # type: ignore[attr-defined]
    return refused


def text(data: Mapping, name: str, *, required: bool = True, limit: int = 500) -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        raise bad(f"{name} must be text.", name)
    value = value.strip()
    if required and not value:
        raise bad(f"Please fill in {name.replace('_', ' ')}.", name)
    if len(value) > limit:
        raise bad(
            f"{name.replace('_', ' ')} is too long (at most {limit} characters).", name
        )
    return value


def integer(data: Mapping, name: str, *, required: bool = True) -> int | None:
    # Twelve digits: anything longer overflows SQLite's integers, and no id,
    # count or length in the console comes near it.
    raw = text(data, name, required=required, limit=12)
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise bad(f"{name.replace('_', ' ')} must be a whole number.", name) from None


def date(data: Mapping, name: str, *, required: bool = True) -> dt.date | None:
    raw = text(data, name, required=required, limit=20)
    if not raw:
        return None
    try:
        value = dt.date.fromisoformat(raw)
    except ValueError:
        raise bad(
            f"{name.replace('_', ' ')} must be a date like 2026-03-14.", name
        ) from None
    # Far-off years would overflow date arithmetic (a week view of 9999-12-31).
    if not 1900 <= value.year <= 2999:
        raise bad(
            f"{name.replace('_', ' ')} must be a year between 1900 and 2999.", name
        )
    return value


def time(data: Mapping, name: str) -> dt.time:
    raw = text(data, name, limit=8)
    try:
        return dt.time.fromisoformat(raw)
    except ValueError:
        raise bad(
            f"{name.replace('_', ' ')} must be a time like 09:30.", name
        ) from None


def instant(data: Mapping, name: str) -> dt.datetime:
    """An aware ISO 8601 instant (slot buttons carry these)."""
    raw = text(data, name, limit=40)
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise bad(f"{name} must be a date and time.", name) from None
    if value.tzinfo is None:
        raise bad(f"{name} must carry its time zone.", name)
    return value.astimezone(dt.UTC)


def checkbox(data: Mapping, name: str) -> bool:
    return data.get(name) in ("on", "1", "true", "yes")


def route_id(request: web.Request, name: str = "id") -> int:
    raw = request.match_info.get(name, "")
    if not raw.isdigit() or len(raw) > 12:
        raise web.HTTPNotFound()
    return int(raw)


def domain_http_error(exc: DomainError) -> web.HTTPException:
    """A rule said no: 404 if missing, 400 for bad input, else 409 (conflict)."""
    if isinstance(exc, NotFound):
        return web.HTTPNotFound(text=str(exc))
    if isinstance(exc, InvalidInput):
        return bad(str(exc), exc.field)
    return web.HTTPConflict(text=str(exc))
