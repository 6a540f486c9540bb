"""Group commit on SQLite: writes arriving together share one transaction."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from core.models import Department, Doctor
from core.storage.db import db, write_transaction
from core.storage.gateway import Gateway, InlineGateway


def _add(name: str) -> str:
    with write_transaction():
        Department.create(name=name)
    return name


def _add_then_fail(name: str) -> None:
    with write_transaction():
        Department.create(name=name)
        raise ValueError("refused")


def _committed(url: str) -> list[str]:
    """Department names as another connection sees them: committed ones only."""
    with sqlite3.connect(url.removeprefix("sqlite:///")) as other:
        return sorted(r[0] for r in other.execute("SELECT name FROM department"))


@pytest.fixture
def statements(sqlite_database):
    seen: list[str] = []
    db.connection().set_trace_callback(seen.append)
    yield seen
    db.connection().set_trace_callback(None)


async def test_writes_arriving_together_commit_once(sqlite_database, statements):
    gateway = InlineGateway()
    names = await asyncio.gather(*(gateway.run_write(_add, f"d{n}") for n in range(5)))
    assert names == [f"d{n}" for n in range(5)]  # each caller gets its own result
    assert _committed(sqlite_database) == names  # durable before anyone heard back
    assert [s for s in statements if s.startswith(("BEGIN", "COMMIT"))] == [
        "BEGIN IMMEDIATE",
        "COMMIT",
    ]


async def test_a_failing_write_is_undone_alone(sqlite_database):
    gateway = InlineGateway()
    results = await asyncio.gather(
        gateway.run_write(_add, "kept"),
        gateway.run_write(_add_then_fail, "undone"),
        gateway.run_write(_add, "also kept"),
        return_exceptions=True,
    )
    assert results[0] == "kept" and results[2] == "also kept"
    assert isinstance(results[1], ValueError)
    assert _committed(sqlite_database) == ["also kept", "kept"]


async def test_a_failed_commit_fails_every_caller_and_keeps_nothing(sqlite_database):
    def orphan() -> None:
        # A foreign key checked only at COMMIT: the whole batch's commit fails.
        db.execute_sql("PRAGMA defer_foreign_keys = ON")
        Doctor.insert(name="x", department=999).execute()

    gateway = InlineGateway()
    results = await asyncio.gather(
        gateway.run_write(_add, "first"),
        gateway.run_write(orphan),
        return_exceptions=True,
    )
    assert all(isinstance(r, Exception) for r in results), results
    assert _committed(sqlite_database) == []
    assert await gateway.run_write(_add, "later") == "later"  # the connection is fine
    assert _committed(sqlite_database) == ["later"]


async def test_writes_in_later_loop_turns_get_their_own_commit(
    sqlite_database, statements
):
    gateway = InlineGateway()
    await gateway.run_write(_add, "one")
    await gateway.run_write(_add, "two")
    assert statements.count("COMMIT") == 2


async def test_the_threaded_gateway_runs_writes_one_by_one(database):
    gateway = Gateway()
    try:
        assert await gateway.run_write(_add, "solo") == "solo"
        assert await gateway.run(lambda: Department.get().name) == "solo"
    finally:
        gateway.close()


async def test_a_foreign_write_lock_parks_writes_in_order_without_freezing_the_loop(
    sqlite_database,
):
    """Another connection holds the lock: the loop goes on, writes wait in order."""
    foreign = sqlite3.connect(
        sqlite_database.removeprefix("sqlite:///"), isolation_level=None
    )
    foreign.execute("BEGIN IMMEDIATE")
    gateway = InlineGateway()
    try:
        first = asyncio.ensure_future(gateway.run_write(_add, "first"))
        await asyncio.sleep(0.05)
        second = asyncio.ensure_future(gateway.run_write(_add, "second"))
        ticks = 0
        for _ in range(10):  # the loop runs while both wait
            await asyncio.sleep(0.02)
            ticks += 1
        assert ticks == 10 and not first.done() and not second.done()
        foreign.execute("ROLLBACK")
        assert await asyncio.wait_for(asyncio.gather(first, second), 20) == [
            "first",
            "second",
        ]
        ids = {d.name: d.id for d in Department.select()}
        assert ids["first"] < ids["second"]  # parked writes keep their order
        assert await gateway.run_write(_add, "inline again") == "inline again"
    finally:
        foreign.close()
        gateway.close()


async def test_the_threaded_gateway_keeps_a_key_in_order_and_keys_side_by_side(
    sqlite_database,
):
    """One patient's turns in arrival order; another patient's not stuck behind them."""
    import threading
    import time

    gateway = Gateway(4)
    seen: list[tuple[str, int, str]] = []

    def work(key: str, n: int, pause: float) -> str:
        time.sleep(pause)
        seen.append((key, n, threading.current_thread().name))
        return key

    try:
        slow = [gateway.submit_ordered(0, work, "a", n, 0.05) for n in range(5)]
        # Keys 0 and 1 (ints hash to themselves) land on different threads.
        quick = await gateway.run_ordered(1, work, "b", 0, 0)
        assert quick == "b" and not all(f.done() for f in slow)  # b did not wait
        await asyncio.gather(*slow)
    finally:
        gateway.close()
    a_turns = [(n, thread) for key, n, thread in seen if key == "a"]
    assert [n for n, _ in a_turns] == list(range(5))
    assert len({thread for _, thread in a_turns}) == 1  # one thread per key
