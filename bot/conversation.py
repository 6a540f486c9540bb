"""The one way a channel runs the dialog: through the gateway.

The dialog answers every message itself, a bug included (its fallback logs
it, apologises and tells staff). What it cannot do is answer when the
database itself fails; then the channel still apologises, in the patient's
language if that can be looked up.

A channel that answers in its HTTP response (Twilio's TwiML) must answer
before the provider gives up. When the database cannot take the turn in
time (another process holds SQLite's write lock), the turn still runs once
the lock is free, but its replies go through the outbox instead, and the
HTTP answer is empty: every message is stored once and answered once.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Hashable

from aiohttp import web

from bot import metrics
from bot.keys import CLOCK, DIALOG, DISPATCHER, GATEWAY
from bot.texts import channel_text, patient_language
from core import log_context
from core.messaging.inbound import Inbound, Reply
from core.storage.db import DATABASE_ERRORS

log = logging.getLogger(__name__)


class Apology(Reply):
    """The reply when the dialog could not run (the channel may queue it)."""


class Deadline:
    """Decides, when a turn starts, whether its replies may still go inline.

    The turn calls start() once it runs (on SQLite, holding the write lock);
    the waiting handler calls give_up() when time is up. Whichever comes
    first wins: a reply is recorded as sent only while the HTTP response
    that carries it is still awaited, and is queued otherwise.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()  # start() may run on the database thread
        self._state = "waiting"

    def start(self) -> str:
        """The delivery for the turn starting now: inline, or outbox if too late."""
        with self._lock:
            if self._state == "gave_up":
                return "outbox"
            self._state = "started"
            return "inline"

    def give_up(self) -> bool:
        """Stop waiting; False if the turn already started (it ends in ms)."""
        with self._lock:
            if self._state == "started":
                return False
            self._state = "gave_up"
            return True


async def converse(
    app: web.Application,
    inbound: Inbound,
    *,
    deliver: str,
    deadline: float | None = None,
) -> list[Reply]:
    """Run one inbound message through the dialog; a database failure, an apology.

    deliver="inline": replies are recorded as sent and the caller shows them
    (TwiML); with a deadline (seconds), a turn that cannot start in time
    queues its replies instead and [] is returned. deliver="outbox": replies
    are queued and the dispatcher is woken.
    """

    fields = {
        **log_context.current(),
        "channel": inbound.channel,
        "conversation_id": None,  # the dialog sets it once the row is loaded
    }

    def turn(mode: str) -> list[Reply]:
        # It may run in a write batch or on the database thread: say whose it is.
        with log_context.bound(**fields):
            return app[DIALOG](inbound, app[CLOCK](), deliver=mode)

    metrics.INBOUND.labels(inbound.channel).inc()
    began = time.perf_counter()
    key = (inbound.channel, inbound.address)  # one patient's turns in order
    try:
        if deliver == "inline" and deadline is not None:
            replies = await answer_in_time(app, turn, deadline, key)
        else:
            replies = await app[GATEWAY].run_ordered(key, turn, deliver)
    except DATABASE_ERRORS:
        metrics.database_error("turn")
        log.exception(
            "no database for %s message %s", inbound.channel, inbound.provider_id
        )
        lang = await patient_language(app, inbound.channel, inbound.address)
        return [Apology(channel_text(lang, "sorry"))]
    metrics.TURN_SECONDS.labels(inbound.channel).observe(time.perf_counter() - began)
    if deliver == "outbox":
        _wake_dispatcher(app)
    return replies


async def answer_in_time(
    app: web.Application,
    work: Callable[[str], list[Reply]],
    deadline: float,
    key: Hashable | None = None,
) -> list[Reply]:
    """work(deliver)'s replies if it starts within deadline seconds, else [].

    A late work still runs, once, with deliver="outbox"; the dispatcher is
    woken when it has committed.
    """
    loop = asyncio.get_running_loop()
    gate = Deadline()
    future = app[GATEWAY].submit_ordered(key, lambda: work(gate.start()))
    answer = loop.create_future()  # the finished work, or None at the deadline

    def pass_on(done: asyncio.Future) -> None:
        if not answer.done():
            answer.set_result(done)

    def time_up() -> None:
        if not future.done() and gate.give_up():
            log.warning("database too slow to answer inline; replies go by the outbox")
            future.add_done_callback(lambda done: _sent_late(app, done))
            answer.set_result(None)

    future.add_done_callback(pass_on)
    timer = loop.call_later(deadline, time_up)
    try:
        done = await answer  # a lean asyncio.wait: the work is never cancelled
    finally:
        timer.cancel()
    return [] if done is None else done.result()


def _sent_late(app: web.Application, done: asyncio.Future) -> None:
    if done.cancelled():
        return
    error = done.exception()
    if error is not None:
        log.error("a late turn failed", exc_info=error)
        return
    _wake_dispatcher(app)


def _wake_dispatcher(app: web.Application) -> None:
    if DISPATCHER in app:
        app[DISPATCHER].wake()
