"""Staff console wiring: pages, auth and middlewares."""

from __future__ import annotations

from aiohttp import web


def setup_console(app: web.Application) -> None:
    """Register the console's routes, templates and middlewares."""
