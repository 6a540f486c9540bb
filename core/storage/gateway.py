"""How async code (bot/, console/) runs a synchronous core unit of work.

bench/db_adapter.py measured the candidates on SQLite (50 clients, a read
and a write per request; figures in the README): directly on the loop
~2,000 req/s, one database thread ~1,150, playhouse.pwasyncio ~660; the
inbound-SMS bench agreed (860 against 580 req/s). So on SQLite the loop
itself is the one writer SQLite wants. On PostgreSQL a query waits on the
network, which must not hold the loop, so work runs on a pool of database
threads (Gateway; one patient's turns always on the same thread), and the
service scales out with more `serve --role web` processes. pwasyncio lost
on both counts and is not used.

Dialog turns go through run_write or run_ordered: on SQLite the turns that
arrive in one loop turn commit together (group commit); on PostgreSQL each
runs on its patient's thread, beside other patients' turns.

Waiting for SQLite's write lock on the loop would freeze every request
(another process can hold it for longer than the busy timeout: a backup, a
shell). So the loop only tries the lock; when it is taken, the batch is
parked on a thread that waits for it as long as it takes, and the loop
keeps serving. Callers that must answer in time await with a deadline.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import itertools
import logging
from collections.abc import Callable, Hashable
from typing import TypeVar

import peewee

from core.storage.db import DATABASE_ERRORS, db, write_transaction

log = logging.getLogger(__name__)

# Database threads (and connections) per process on PostgreSQL; see Gateway.
POSTGRES_THREADS = 8
BUSY_TIMEOUT_MS = 15_000  # SQLITE_PRAGMAS' busy_timeout, restored after BEGIN

T = TypeVar("T")


class Gateway:
    """Runs core functions on a small pool of database threads.

    Each thread holds its own connection, so different patients' turns run
    side by side and PostgreSQL flushes their commits together (its group
    commit), where one thread made every turn wait for the last one's
    round trips and WAL flush. Work given a key (a patient's channel and
    address) always runs on the same thread, so one patient's turns stay in
    the order they arrived; other work takes the threads in turn.
    """

    def __init__(self, threads: int = 1) -> None:
        self._threads = threads
        self._executors = [
            concurrent.futures.ThreadPoolExecutor(
                max_workers=1, thread_name_prefix=f"clinicbot-db{n}"
            )
            for n in range(threads)
        ]
        self._turn = itertools.count()

    def _executor(self, key: Hashable | None = None):
        if key is None:
            return self._executors[next(self._turn) % self._threads]
        return self._executors[hash(key) % self._threads]

    async def run(self, fn: Callable[..., T], /, *args, **kwargs) -> T:
        """Run fn(*args, **kwargs) on a database thread and await its result."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor(), functools.partial(fn, *args, **kwargs)
        )

    async def run_write(self, fn: Callable[..., T], /, *args, **kwargs) -> T:
        """Run fn, a unit of work that does its writes in one write_transaction."""
        return await self.submit_write(fn, *args, **kwargs)

    def submit_write(self, fn: Callable[..., T], /, *args, **kwargs) -> asyncio.Future:
        """run_write's future, for a caller that may stop waiting before it is done.

        Not waiting any more does not stop the work: it runs, once.
        """
        return self.submit_ordered(None, fn, *args, **kwargs)

    def submit_ordered(
        self, key: Hashable | None, fn: Callable[..., T], /, *args, **kwargs
    ) -> asyncio.Future:
        """submit_write, on the thread that runs all work with this key, in order."""
        loop = asyncio.get_running_loop()
        return loop.run_in_executor(
            self._executor(key), functools.partial(fn, *args, **kwargs)
        )

    async def run_ordered(
        self, key: Hashable | None, fn: Callable[..., T], /, *args, **kwargs
    ) -> T:
        return await self.submit_ordered(key, fn, *args, **kwargs)

    def close(self) -> None:
        """Close every database thread's connection and stop the threads."""
        futures = [executor.submit(db.close) for executor in self._executors]
        concurrent.futures.wait(futures, timeout=5)
        for executor in self._executors:
            executor.shutdown(wait=True)


class _NotBegun(Exception):
    """BEGIN IMMEDIATE failed: no write of the batch ran."""


def _locked(error: BaseException) -> bool:
    """SQLite's "database is locked" / "database is busy": someone else writes."""
    text = str(error).lower()
    return "locked" in text or "busy" in text


class InlineGateway(Gateway):
    """Runs core functions directly on the event loop's thread."""

    def __init__(self) -> None:
        self._threads = 0
        self._writes: list[tuple[Callable[[], object], asyncio.Future]] = []
        # Batches that found the write lock taken wait here, in order.
        self._waiter = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="clinicbot-lock-wait"
        )
        self._parked = 0
        self._closing = False

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
        return await self.submit_write(fn, *args, **kwargs)

    def submit_ordered(
        self, key: Hashable | None, fn: Callable[..., T], /, *args, **kwargs
    ) -> asyncio.Future:
        """One thread, the loop's: every write is in arrival order already."""
        return self.submit_write(fn, *args, **kwargs)

    def submit_write(self, fn: Callable[..., T], /, *args, **kwargs) -> asyncio.Future:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        if not self._writes:
            loop.call_soon(self._commit_writes)
        self._writes.append((functools.partial(fn, *args, **kwargs), future))
        return future

    def _commit_writes(self) -> None:
        writes, self._writes = self._writes, []
        if self._parked:  # earlier writes wait for the lock: stay behind them
            self._park(writes)
            return
        try:
            outcomes = self._try_together(writes)
        except _NotBegun:
            self._park(writes)
            return
        except Exception as error:  # the connection itself failed
            outcomes = [(future, None, error) for _write, future in writes]
        self._settle(writes, outcomes)

    def _try_together(self, writes):
        """The batch on the loop, if the write lock is free right now."""
        connection = db.obj.connection()  # not execute_sql: half the cost
        with peewee.__exception_wrapper__:  # errors as peewee's, like every query
            connection.execute("PRAGMA busy_timeout = 0")
        restored = False

        def restore() -> None:  # once BEGIN has the lock, or failed to get it
            nonlocal restored
            if not restored:
                restored = True
                with peewee.__exception_wrapper__:
                    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

        try:
            return self._run_together(writes, retry_lock=True, on_begin=restore)
        finally:
            restore()

    def _park(self, writes) -> None:
        """Hand the batch to the thread that waits for the lock; the loop goes on."""
        loop = asyncio.get_running_loop()
        self._parked += 1
        log.warning("database write lock is taken: %d writes wait for it", len(writes))

        def wait_then_settle() -> None:
            outcomes = self._when_unlocked(writes)
            loop.call_soon_threadsafe(self._unpark, writes, outcomes)

        self._waiter.submit(wait_then_settle)

    def _unpark(self, writes, outcomes) -> None:
        self._parked -= 1
        self._settle(writes, outcomes)

    def _when_unlocked(self, writes):
        """Run the batch on this thread once the lock is free, however long that is."""
        while True:
            try:
                return self._run_together(writes, retry_lock=not self._closing)
            except _NotBegun:
                log.warning("database still locked: %d writes wait", len(writes))

    @staticmethod
    def _settle(writes, outcomes) -> None:
        try:
            for future, result, error in outcomes:
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
    def _run_together(writes, *, retry_lock: bool = False, on_begin=None):
        """[(future, result, error)] for each write, once all have committed.

        With retry_lock, a BEGIN that finds the lock taken raises _NotBegun
        (nothing ran, the batch may be tried again) instead of failing it.
        """
        outcomes: list[tuple[asyncio.Future, object, Exception | None]] = []
        began = False
        try:
            with write_transaction():
                began = True
                if on_begin is not None:
                    on_begin()
                for write, future in writes:
                    try:
                        outcomes.append((future, write(), None))
                    except Exception as error:
                        outcomes.append((future, None, error))
        except Exception as error:  # the commit itself failed: nothing was kept
            lock_taken = isinstance(error, DATABASE_ERRORS) and _locked(error)
            if not began and retry_lock and lock_taken:
                raise _NotBegun from error
            return [(future, None, error) for _write, future in writes]
        return outcomes

    def close(self) -> None:
        """Stop waiting for the lock (parked writes fail), close the connections."""
        self._closing = True
        self._waiter.submit(db.close)
        self._waiter.shutdown(wait=True)
        db.close()


def gateway_for(database_url: str, threads: int | None = None) -> Gateway:
    """The measured best way to reach this database from the event loop."""
    if database_url.startswith("sqlite"):
        return InlineGateway()
    return Gateway(threads or POSTGRES_THREADS)
