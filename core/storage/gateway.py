"""How async code (bot/, console/) runs a synchronous core unit of work.

bench/db_adapter.py measured the candidates on SQLite (50 clients, a read
and a write per request; figures in the README): directly on the loop
~2,000 req/s, one database thread ~1,150, playhouse.pwasyncio ~660; the
inbound-SMS bench agreed (860 against 580 req/s). So on SQLite the loop
itself is the one writer SQLite wants. On PostgreSQL a query waits on the
network, which must not hold the loop, so work runs on one database thread
(scale out with more `serve --role web` processes). pwasyncio lost on both
counts and is not used.

Dialog turns go through run_write: on SQLite the turns that arrive in one
loop turn commit together (group commit), on PostgreSQL it is plain run.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
from collections.abc import Callable
from typing import TypeVar

from core.storage.db import db, write_transaction

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

    async def run_write(self, fn: Callable[..., T], /, *args, **kwargs) -> T:
        """Run fn, a unit of work that does its writes in one write_transaction."""
        return await self.run(fn, *args, **kwargs)

    def close(self) -> None:
        """Close the database threads' connections and stop them."""
        futures = [self._executor.submit(db.close) for _ in range(self._threads)]
        concurrent.futures.wait(futures, timeout=5)
        self._executor.shutdown(wait=True)


class InlineGateway(Gateway):
    """Runs core functions directly on the event loop's thread."""

    def __init__(self) -> None:
        self._threads = 0
        self._writes: list[tuple[Callable[[], object], asyncio.Future]] = []

    async def run(self, fn: Callable[..., T], /, *args, **kwargs) -> T:
        return fn(*args, **kwargs)

    async def run_write(self, fn: Callable[..., T], /, *args, **kwargs) -> T:
        """Run fn with the other writes that arrive in this loop turn: group commit.

        A SQLite commit appends every page the transaction changed to the
        WAL, one write call per page header and one per page; turns that
        arrive together touch mostly the same pages. So the writes queued
        while the loop works through its ready handlers run one after
        another in one transaction, and every caller hears back only once
        that transaction has committed. Each fn's own write_transaction
        becomes a savepoint, so a failing one is undone alone.
        """
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        if not self._writes:
            loop.call_soon(self._commit_writes)
        self._writes.append((functools.partial(fn, *args, **kwargs), future))
        return await future

    def _commit_writes(self) -> None:
        writes, self._writes = self._writes, []
        try:
            for future, result, error in self._run_together(writes):
                if future.done():  # its caller went away; the work stands
                    continue
                if error is None:
                    future.set_result(result)
                else:
                    future.set_exception(error)
        finally:  # whatever escaped, no caller waits forever
            for _write, future in writes:
                if not future.done():
                    future.set_exception(RuntimeError("the write batch stopped"))

    @staticmethod
    def _run_together(writes):
        """[(future, result, error)] for each write, once all have committed."""
        outcomes: list[tuple[asyncio.Future, object, Exception | None]] = []
        try:
            with write_transaction():
                for write, future in writes:
                    try:
                        outcomes.append((future, write(), None))
                    except Exception as error:
                        outcomes.append((future, None, error))
        except Exception as error:  # the commit itself failed: nothing was kept
            return [(future, None, error) for _write, future in writes]
        return outcomes

    def close(self) -> None:
        db.close()


def gateway_for(database_url: str) -> Gateway:
    """The measured best way to reach this database from the event loop."""
    return InlineGateway() if database_url.startswith("sqlite") else Gateway()
