"""How async code (bot/, console/) runs a synchronous core unit of work.

bench/db_adapter.py measured the candidates on SQLite (50 clients, a read
and a write per request; figures in the README): directly on the loop
~2,000 req/s, one database thread ~1,150, playhouse.pwasyncio ~660; the
inbound-SMS bench agreed (860 against 580 req/s). So on SQLite the loop
itself is the one writer SQLite wants. On PostgreSQL a query waits on the
network, which must not hold the loop, so work runs on one database thread
(scale out with more `serve --role web` processes). pwasyncio lost on both
counts and is not used.
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
        self._threads = threads
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
        futures = [self._executor.submit(db.close) for _ in range(self._threads)]
        concurrent.futures.wait(futures, timeout=5)
        self._executor.shutdown(wait=True)


class InlineGateway(Gateway):
    """Runs core functions directly on the event loop's thread."""

    def __init__(self) -> None:
        self._threads = 0

    async def run(self, fn: Callable[..., T], /, *args, **kwargs) -> T:
        return fn(*args, **kwargs)

    def close(self) -> None:
        db.close()


def gateway_for(database_url: str) -> Gateway:
    """The measured best way to reach this database from the event loop."""
    return InlineGateway() if database_url.startswith("sqlite") else Gateway()
