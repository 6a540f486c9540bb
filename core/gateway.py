"""How async code (bot/, console/) runs a synchronous core unit of work.

Measured by bench/db_adapter.py (figures in the README): on SQLite one
dedicated database thread keeps the event loop free for a few percent of
throughput, and gives SQLite the single writer it wants. pwasyncio was
slower on both databases, so it is not used.
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
