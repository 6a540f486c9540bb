"""The APScheduler AsyncIOScheduler that runs core.jobs inside `serve`."""

from __future__ import annotations

from aiohttp import web


def setup_scheduler(app: web.Application) -> None:
    """Start the scheduler in a cleanup context."""
