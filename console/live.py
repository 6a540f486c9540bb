"""Live updates by server-sent events.

One task per process polls core.live.change_marker every POLL_SECONDS while
someone is listening and tells every open page when it moves. Polling the
database rather than publishing from the code that writes is deliberate:
the bot, the scheduler and other web processes write too, and the database
is the one place all of them share. Pages then fetch their fresh fragment.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from console.auth import EVERYONE, allow
from console.keys import GATEWAY, LIVE_FEED
from core.storage.gateway import Gateway
from core.views.live import change_marker

log = logging.getLogger(__name__)

POLL_SECONDS = 1.5
HEARTBEAT_SECONDS = 15.0  # keeps proxies from closing an idle stream


class LiveFeed:
    """Fans one polled marker out to every connected page."""

    def __init__(self, interval: float = POLL_SECONDS) -> None:
        self.interval = interval
        self._listeners: set[asyncio.Queue] = set()
        self._marker: tuple[int, int] | None = None
        self._gateway: Gateway | None = None
        self._task: asyncio.Task | None = None
        self._wake = asyncio.Event()

    def start(self, gateway: Gateway) -> None:
        self._gateway = gateway
        self._task = asyncio.create_task(self._run(), name="console-live-feed")

    def close_streams(self) -> None:
        """Tell every open stream to end (None is the end marker)."""
        for queue in list(self._listeners):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(None)

    async def stop(self) -> None:
        self.close_streams()
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def subscribe(self) -> asyncio.Queue:
        queue: asyncio.Queue = asyncio.Queue(maxsize=10)
        self._listeners.add(queue)
        self._wake.set()
        return queue

    def unsubscribe(self, queue: asyncio.Queue) -> None:
        self._listeners.discard(queue)

    @property
    def listeners(self) -> int:
        return len(self._listeners)

    async def check(self) -> bool:
        """Poll once; tell listeners and return True if the marker moved."""
        marker = await self._gateway.run(change_marker)
        moved = self._marker is not None and marker != self._marker
        self._marker = marker
        if moved:
            for queue in list(self._listeners):
                if queue.full():  # a stalled page only needs one "changed"
                    continue
                queue.put_nowait(f"{marker[0]}-{marker[1]}")
        return moved

    async def _run(self) -> None:
        while True:
            if not self._listeners:
                self._marker = None  # re-baseline when someone comes back
                self._wake.clear()
                await self._wake.wait()
            try:
                await self.check()
            except Exception:  # a database hiccup must not end live updates
                log.exception("live feed poll failed")
            await asyncio.sleep(self.interval)


async def live_ctx(app: web.Application) -> AsyncIterator[None]:
    """Start the poller after the database; stop it (and close streams) last."""
    feed = app[LIVE_FEED]
    feed.start(app[GATEWAY])
    yield
    await feed.stop()


async def _close_streams(app: web.Application) -> None:
    """On shutdown, end open event streams so the server need not wait for them."""
    app[LIVE_FEED].close_streams()


def setup_live(app: web.Application, interval: float = POLL_SECONDS) -> None:
    app[LIVE_FEED] = LiveFeed(interval)
    app.cleanup_ctx.append(live_ctx)
    app.on_shutdown.append(_close_streams)


@allow(*EVERYONE)
async def events(request: web.Request) -> web.StreamResponse:
    """GET /events: a text/event-stream of "changed" events for this user's pages."""
    feed = request.app[LIVE_FEED]
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    await response.write(b"retry: 3000\n\n")
    queue = feed.subscribe()
    try:
        while True:
            try:
                marker = await asyncio.wait_for(queue.get(), HEARTBEAT_SECONDS)
            except TimeoutError:
                await response.write(b": still here\n\n")
                continue
            if marker is None:
                break
            await response.write(f"event: changed\ndata: {marker}\n\n".encode())
    except ConnectionResetError:
        pass  # the page went away
    finally:
        feed.unsubscribe(queue)
    return response
