"""The aiohttp application factory: one app for webhooks, console and health."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from bot.routes import setup_channels
from console.api.routes import setup_api
from console.health import setup_probes
from console.keys import CLOCK, DIALOG, GATEWAY, ROLE, SETTINGS
from console.logs import request_ids
from console.routes import setup_console
from console.scheduling import setup_scheduler
from core.clock import Clock, system_clock
from core.dialog.service import handle_inbound
from core.policy import ensure_policy
from core.settings import Settings
from core.storage.checkpoint import WalCheckpointer, checkpoint_off_this_connection
from core.storage.db import open_database
from core.storage.gateway import gateway_for
from core.storage.migrate import migrate

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # webhooks and console forms are small; refuse anything bigger


def _prepare_database(settings: Settings) -> WalCheckpointer | None:
    open_database(settings.database_url)
    migrate()
    ensure_policy(settings.timezone)
    return checkpoint_off_this_connection()


async def database_ctx(app: web.Application) -> AsyncIterator[None]:
    """Open, migrate and later close the database on the gateway's thread."""
    settings = app[SETTINGS]
    gateway = gateway_for(settings.database_url, settings.database_threads)
    checkpointer = await gateway.run(_prepare_database, settings)
    app[GATEWAY] = gateway
    yield
    gateway.close()
    if checkpointer is not None:
        checkpointer.stop()


async def freeze_startup_objects(app: web.Application) -> None:
    """Hide everything built at start-up from the cycle collector.

    Modules, templates and prepared queries live as long as the process;
    left in view, each full collection walked them all (~40 ms measured),
    pausing every reply in flight at once. `serve` runs this on startup
    (after the database context), not create_app: tests build many apps.
    """
    gc.collect()
    gc.freeze()


def create_app(
    settings: Settings, role: str = "all", *, clock: Clock = system_clock
) -> web.Application:
    """Build the application; resources open in cleanup contexts, in order."""
    app = web.Application(client_max_size=MAX_BODY, middlewares=[request_ids])
    app[SETTINGS] = settings
    app[ROLE] = role
    app[CLOCK] = clock
    app[DIALOG] = handle_inbound
    # The database comes first: everything registered after it uses the gateway.
    app.cleanup_ctx.append(database_ctx)
    setup_probes(app)
    if role in ("all", "web"):
        setup_channels(app)
        setup_api(app)
        setup_console(app)
    if role in ("all", "scheduler"):
        setup_scheduler(app)
    return app
