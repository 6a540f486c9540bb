"""How async code (bot/, console/) runs a synchronous core unit of work.

bench/db_adapter.py measured the candidates on SQLite (50 clients, a read
and a write per request; figures in the README): on the loop ~2,000 req/s,
one database thread ~1,150, playhouse.pwasyncio ~660. The loop itself is
fastest, but any slow unit (a 450 ms stats page over a million visits, a
10,000-reminder tick) would then stall every webhook, health check and
live-update stream with it. One database thread keeps the loop answering and
gives SQLite the single writer it wants, so it is the design; pwasyncio lost
on both counts and is not used.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
from collections.abc import Callable
from typing import TypeVar

from core.db import db

T = TypeVar("T")


class Gateway:
    """Runs core functions on one database thread, one at a time."""

    def __init__(self, threads: int = 1) -> None:
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=threads, thread_name_prefix="clinicbot-db"
        )

    async def run(self, fn: Callable[..., T], /, *args, **kwargs) -> T:
        """Run fn(*args, **kwargs) on the database thread and await its result."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor, functools.partial(fn, *args, **kwargs)
        )

    def close(self) -> None:
        """Close the database threads' connections and stop them."""
        futures = [
            self._executor.submit(db.close) for _ in range(self._executor._max_workers)
        ]
        concurrent.futures.wait(futures, timeout=5)
        self._executor.shutdown(wait=True)


class InlineGateway(Gateway):
    """Runs core functions directly on the loop (measured as a baseline)."""

    def __init__(self) -> None:
        super().__init__(threads=1)

    async def run(self, fn: Callable[..., T], /, *args, **kwargs) -> T:
        return fn(*args, **kwargs)
