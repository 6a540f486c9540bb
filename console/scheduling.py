"""The APScheduler AsyncIOScheduler that runs core.jobs inside `serve`.

One tick a minute runs every job (core.jobs.runner.run_all) on the database
gateway's thread, then nudges the outbox dispatcher. The jobs claim their
work in the database, so several scheduler processes, or a cron-driven
`clinicbot jobs run-once`, can run beside this one safely.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot import metrics
from bot.webhooks import WEBHOOK_SENDER, webhooks_ctx
from console.keys import CLOCK, DISPATCHER, GATEWAY, SCHEDULER_STATUS
from core.clock import UTC
from core.jobs.runner import run_all
from core.settings import Settings
from core.storage.db import DATABASE_ERRORS

log = logging.getLogger(__name__)

TICK_SECONDS = 60
# The first tick comes soon after start, so reminders missed during downtime
# go out at once rather than a minute later. Tests push it out of reach.
FIRST_TICK_DELAY = dt.timedelta(seconds=5)


@dataclass
class TickState:
    started: dt.datetime | None = None  # the app clock's now when the scheduler began
    last_tick: dt.datetime | None = None  # the `now` the last good tick ran at

    def fresh(self, now: dt.datetime) -> bool:
        """Ticks are coming: one within three tick intervals (or since start)."""
        heartbeat = self.last_tick or self.started
        limit = dt.timedelta(seconds=3 * TICK_SECONDS)
        return heartbeat is not None and now - heartbeat <= limit


# The running scheduler's tick state, so tests (and the console) can read it.
TICK_STATE = web.AppKey("scheduler_tick_state", TickState)


async def _kick_dispatcher(app: web.Application, now: dt.datetime) -> None:
    """Have the outbox sent now rather than at the dispatcher's next poll."""
    dispatcher = app.get(DISPATCHER)
    if dispatcher is not None:
        dispatcher.wake()  # a web process's own dispatcher is running
        return
    from bot.dispatcher import dispatch_due  # only a scheduler-only process

    await dispatch_due(app, now)


async def tick(app: web.Application, state: TickState) -> dict | None:
    """Run every job once at the app clock's now; never raise into APScheduler."""
    now = app[CLOCK]()
    began = time.perf_counter()
    try:
        summary = await app[GATEWAY].run_write(run_all, now)
    except Exception as error:
        log.exception("scheduler tick at %s failed", now.isoformat())
        if isinstance(error, DATABASE_ERRORS):
            metrics.database_error("scheduler")
        return None
    metrics.TICK_SECONDS.observe(time.perf_counter() - began)
    metrics.TICK_LAST_SUCCESS.set_to_current_time()
    state.last_tick = now
    if summary:
        log.info("scheduler tick at %s: %s", now.isoformat(), summary)
    try:
        await _kick_dispatcher(app, now)
    except Exception:  # sending is retried by the dispatcher itself
        log.exception("outbox dispatch after the tick failed")
    if WEBHOOK_SENDER in app:
        app[WEBHOOK_SENDER].wake()  # the tick's changes may have emitted events
    return summary


def status_reporter(app: web.Application, scheduler, state: TickState):
    """A callable for /health: running, last tick, and how overdue the next is."""

    def status() -> dict:
        last = state.last_tick
        lag = None
        if last is not None:
            late = (app[CLOCK]() - last).total_seconds() - TICK_SECONDS
            lag = round(max(0.0, late), 3)
        return {
            "running": bool(scheduler.running),
            "last_tick": last.isoformat() if last else None,
            "lag_seconds": lag,
            "fresh": bool(scheduler.running) and state.fresh(app[CLOCK]()),
        }

    return status


async def scheduler_ctx(app: web.Application) -> AsyncIterator[None]:
    """Start the scheduler after the database; stop it before the database closes."""
    state = TickState(started=app[CLOCK]())
    scheduler = AsyncIOScheduler(event_loop=asyncio.get_running_loop(), timezone=UTC)
    scheduler.add_job(
        tick,
        "interval",
        seconds=TICK_SECONDS,
        args=(app, state),
        id="clinicbot-tick",
        next_run_time=dt.datetime.now(UTC) + FIRST_TICK_DELAY,
        max_instances=1,  # a slow tick is never overlapped by the next
        coalesce=True,  # after a stall, run once, not once per missed minute
        misfire_grace_time=TICK_SECONDS,
    )
    scheduler.start()
    app[TICK_STATE] = state
    app[SCHEDULER_STATUS] = status_reporter(app, scheduler, state)
    log.info("scheduler started: a tick every %s s", TICK_SECONDS)
    yield
    scheduler.shutdown(wait=False)


def setup_scheduler(app: web.Application) -> None:
    """Start the scheduler in a cleanup context (registered after the database)."""
    app.cleanup_ctx.append(scheduler_ctx)
    # The webhook sender (bot/webhooks.py) runs beside it, in the scheduler role.
    app.cleanup_ctx.append(webhooks_ctx)


def parse_now(text: str | None, settings: Settings) -> dt.datetime:
    """--now as aware UTC; a time without an offset is clinic local time."""
    if not text:
        return dt.datetime.now(UTC)
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=settings.tz)
    return moment.astimezone(UTC)


def run_once(settings: Settings, now_iso: str | None, max_seconds: float = 120) -> int:
    """`clinicbot jobs run-once`: every job once, then send what is due."""
    try:
        now = parse_now(now_iso, settings)
    except ValueError:
        print(
            f"error: --now {now_iso!r} is not an ISO 8601 time, "
            "e.g. 2026-11-23T09:00:00+01:00",
            file=sys.stderr,
        )
        return 2
    summary = run_all(now)
    drained = _dispatch_until_done(settings, now, max_seconds)
    print(json.dumps({"now": now.isoformat(), **summary, **drained}))
    return 1 if summary.get("errors") else 0


def _dispatch_until_done(
    settings: Settings, now: dt.datetime, max_seconds: float
) -> dict:
    from bot.dispatcher import dispatch_until_done
    from core.storage.gateway import gateway_for

    gateway = gateway_for(settings.database_url)
    try:
        drained = asyncio.run(dispatch_until_done(settings, gateway, now, max_seconds))
    except Exception:  # the texts stay queued for the next run
        log.exception("outbox dispatch after run-once failed")
        return {"dispatched": 0, "dispatch_error": True}
    finally:
        gateway.close()
    first = drained.next_attempt_at
    return {
        "dispatched": drained.sent,
        "queued": drained.queued,
        "next_attempt_at": first.isoformat() if first else None,
        "dispatch_seconds": drained.seconds,
    }
