"""The outbox dispatcher: sends queued outbound rows, retries, paces, records.

Whoever queued a row (dialog, reminders, staff), the dispatcher sends it:
claim due rows in the database, hand them to the providers in parallel,
write each outcome. `dispatch_due(app, now)` runs one round (the scheduler
may call it per tick); `dispatcher_ctx` keeps a round going in the
background of `serve --role all|web`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import web

from bot import metrics
from bot.keys import CLOCK, DISPATCHER, GATEWAY, SETTINGS
from bot.pacing import RateLimits
from bot.providers import SEND_TIMEOUT, Sender, SendError, senders_for
from core.clock import Clock, system_clock
from core.messaging.delivery import (
    DISPATCH_CHANNELS,
    Failure,
    Outgoing,
    backlog,
    claim_due,
    record_results,
)
from core.settings import Settings
from core.storage.db import DATABASE_ERRORS
from core.storage.gateway import Gateway

log = logging.getLogger(__name__)

BATCH = 200
CONCURRENCY = 64
# A round's sends time out well within this, so stopping waits for them.
STOP_GRACE = SEND_TIMEOUT + 5.0
IDLE_POLL = 1.0  # seconds between rounds when nothing woke the dispatcher
MIN_IDLE = 0.005  # never spin: another dispatcher may hold the due row


class Dispatcher:
    """Sends due outbox rows through the configured senders."""

    def __init__(
        self,
        gateway: Gateway,
        senders: dict[str, Sender],
        *,
        clock: Clock = system_clock,
        limits: RateLimits | None = None,
        batch: int = BATCH,
        concurrency: int = CONCURRENCY,
    ) -> None:
        self.gateway = gateway
        self.senders = senders
        self.clock = clock
        self.limits = limits or RateLimits()
        self._next_at: dt.datetime | None = None  # the next postponed row's time
        self.batch = batch
        self._slots = asyncio.Semaphore(concurrency)
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        """Start the next round now: something was just queued."""
        self._wake.set()

    def stop(self) -> None:
        """Finish the round under way, then return from run_forever."""
        self._stopping = True
        self._wake.set()

    def _keys_of(self, out: Outgoing) -> tuple[str, ...]:
        return self.senders[out.channel].rate_keys(out)

    async def dispatch_due(self, now: dt.datetime | None = None) -> int:
        """Send one batch of due rows; return how many the providers accepted."""
        now = self.clock() if now is None else now
        claim = await self.gateway.run_write(
            claim_due,
            now,
            self.batch,
            tuple(self.senders),
            self._keys_of,
            self.limits.rate_for,
        )
        self._next_at = claim.next_at
        claimed = claim.taken
        if not claimed:
            return 0
        outcomes = await asyncio.gather(*(self._send(out) for out in claimed))
        sent = [
            (out.id, pid)
            for out, pid in zip(claimed, outcomes, strict=True)
            if isinstance(pid, str)
        ]
        failures = [f for f in outcomes if isinstance(f, Failure)]
        channel_of = {out.id: out.channel for out in claimed}
        await self.gateway.run_write(
            record_results, now, sent, failures, channel_of, tuple(self.senders)
        )
        _count(claimed, outcomes, self.clock())
        return len(sent)

    async def _send(self, out: Outgoing) -> str | Failure:
        async with self._slots:
            try:
                return await self.senders[out.channel].send(out)
            except SendError as exc:
                # The provider's text can quote the number: the code says enough.
                log.warning(
                    "message %s on %s failed (code %s)", out.id, out.channel, exc.code
                )
                return Failure(
                    out.id, str(exc), exc.code, exc.permanent, exc.retry_after
                )
            except Exception as exc:  # a bug in a sender must not stop the outbox
                log.exception("message %s: unexpected send error", out.id)
                return Failure(out.id, f"unexpected error: {exc!r}")

    async def run_forever(self) -> None:
        """Dispatch rounds until stopped; a full batch goes again at once."""
        while not self._stopping:
            try:
                count = await self.dispatch_due()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.exception("dispatch round failed; retrying shortly")
                if isinstance(error, DATABASE_ERRORS):
                    metrics.database_error("dispatcher")
                count = 0
            if count >= self.batch:
                continue
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._idle_seconds()):
                    await self._wake.wait()
            self._wake.clear()

    def _idle_seconds(self) -> float:
        """Until the next paced row may go (pacing to the rate), at most IDLE_POLL."""
        if self._next_at is None:
            return IDLE_POLL
        wait = (self._next_at - self.clock()).total_seconds()
        return min(IDLE_POLL, max(MIN_IDLE, wait))

    async def close(self) -> None:
        for sender in self.senders.values():
            await sender.close()


def _count(claimed: list[Outgoing], outcomes: list, now: dt.datetime) -> None:
    """Sent and failed per channel; how late each reminder went."""
    for out, outcome in zip(claimed, outcomes, strict=True):
        if isinstance(outcome, Failure):
            permanent = "true" if outcome.permanent else "false"
            metrics.OUTBOX_FAILED.labels(out.channel, permanent).inc()
            continue
        metrics.OUTBOX_SENT.labels(out.channel).inc()
        if out.kind == "reminder" and out.due_at is not None:
            lag = (now - out.due_at).total_seconds()
            metrics.REMINDER_LAG.observe(max(0.0, lag))


def build_dispatcher(app: web.Application, bot=None) -> Dispatcher:
    """A dispatcher over the app's gateway, clock and configured providers."""
    settings: Settings = app[SETTINGS]
    return Dispatcher(
        app[GATEWAY],
        senders_for(settings, bot),
        clock=app[CLOCK],
        limits=RateLimits.from_settings(settings),
    )


async def _one_round(dispatcher: Dispatcher, now: dt.datetime) -> int:
    """One round with a dispatcher made for it, closed afterwards."""
    try:
        return await dispatcher.dispatch_due(now)
    finally:
        await dispatcher.close()


async def dispatch_due(app: web.Application, now: dt.datetime) -> int:
    """One dispatch round for the scheduler's tick; safe beside the background task."""
    if DISPATCHER in app:
        return await app[DISPATCHER].dispatch_due(now)
    return await _one_round(build_dispatcher(app), now)


@dataclass(frozen=True)
class Drained:
    """What `jobs run-once` sent, and what it left queued."""

    sent: int
    queued: int
    next_attempt_at: dt.datetime | None
    seconds: float


async def dispatch_until_done(
    settings: Settings, gateway: Gateway, start: dt.datetime, max_seconds: float
) -> Drained:
    """Send until nothing due is left or max_seconds have passed (`jobs run-once`).

    Paced rows are postponed a second or so ahead, so one round sends only a
    rate limit's worth: rounds go on in real time, the clock starting at
    `start` (--now) and advancing by the real time elapsed. Rows that may go
    only later than the time left (quiet hours, a long retry) stay queued.
    """
    began = time.monotonic()

    def elapsed() -> float:
        return time.monotonic() - began

    def clock() -> dt.datetime:
        return start + dt.timedelta(seconds=elapsed())

    dispatcher = Dispatcher(
        gateway,
        senders_for(settings),
        clock=clock,
        limits=RateLimits.from_settings(settings),
    )
    sent = 0
    try:
        while True:
            sent += await dispatcher.dispatch_due()
            left = await gateway.run(backlog)
            if left.next_attempt_at is None:
                break
            wait = (left.next_attempt_at - clock()).total_seconds()
            if wait > max_seconds - elapsed():
                break
            if wait > 0:
                await asyncio.sleep(wait)
    finally:
        await dispatcher.close()
    return Drained(sent, left.queued, left.next_attempt_at, round(elapsed(), 3))


async def dispatcher_ctx(app: web.Application) -> AsyncIterator[None]:
    """Run the dispatcher in the background while the app serves."""
    dispatcher = app.get(DISPATCHER) or build_dispatcher(app)
    app[DISPATCHER] = dispatcher
    if not (set(dispatcher.senders) & set(DISPATCH_CHANNELS)):
        log.info(
            "no message provider configured: outbound messages are stored as not sent"
        )
    task = asyncio.create_task(dispatcher.run_forever(), name="outbox-dispatcher")
    yield
    # Cancelling mid-round would leave texts the provider already accepted
    # unrecorded, and they would go again after the lease: let it finish.
    dispatcher.stop()
    try:
        async with asyncio.timeout(STOP_GRACE):
            await task
    except TimeoutError:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await dispatcher.close()
