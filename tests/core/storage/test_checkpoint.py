"""WAL checkpoints on their own thread, and start-up objects out of GC sight."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time

from console.app import create_app
from console.keys import GATEWAY
from core.settings import Settings
from core.storage.checkpoint import WalCheckpointer
from core.storage.db import db


def _rows_in_main_file(path, tmp_path) -> int:
    """Rows readable from the database file alone, without its WAL."""
    alone = tmp_path / "alone.db"
    shutil.copyfile(path, alone)  # the -wal file is not copied
    try:
        with sqlite3.connect(alone) as copy:
            found = copy.execute("SELECT 1 FROM sqlite_master WHERE name='t'")
            if not found.fetchone():
                return 0
            return copy.execute("SELECT count(*) FROM t").fetchone()[0]
    except sqlite3.DatabaseError:
        return -1  # copied mid-checkpoint: a torn file, look again


def test_the_thread_copies_committed_writes_into_the_database_file(tmp_path):
    path = tmp_path / "c.db"
    writer = sqlite3.connect(path)
    writer.execute("PRAGMA journal_mode=wal")
    writer.execute("PRAGMA wal_autocheckpoint=0")  # as the serving connection
    writer.execute("CREATE TABLE t (x TEXT)")
    writer.executemany("INSERT INTO t VALUES (?)", [("x" * 100,)] * 5000)
    writer.commit()
    assert _rows_in_main_file(path, tmp_path) == 0  # all still in the WAL

    checkpointer = WalCheckpointer(str(path), interval=0.02)
    checkpointer.start()
    try:
        deadline = time.monotonic() + 5
        while _rows_in_main_file(path, tmp_path) < 5000:
            assert time.monotonic() < deadline, "no checkpoint within 5 s"
            time.sleep(0.02)
        # The writer was never blocked: it commits while the thread runs.
        writer.execute("INSERT INTO t VALUES ('later')")
        writer.commit()
    finally:
        checkpointer.stop()
        writer.close()
    assert _rows_in_main_file(path, tmp_path) == 5001  # the last one on stop


def test_a_failing_checkpoint_does_not_stop_the_thread(tmp_path, monkeypatch):
    calls = []

    def flaky(connection):
        calls.append(1)
        if len(calls) == 1:
            raise sqlite3.OperationalError("database is locked")

    checkpointer = WalCheckpointer(str(tmp_path / "f.db"), interval=0.01)
    monkeypatch.setattr(checkpointer, "checkpoint", flaky)
    checkpointer.start()
    deadline = time.monotonic() + 5
    while len(calls) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    checkpointer.stop()
    assert len(calls) >= 3


def test_a_database_it_cannot_open_does_not_stop_the_thread(tmp_path, caplog):
    """The path stops being a database (here a directory), then becomes one again."""
    path = tmp_path / "gone.db"
    path.mkdir()
    checkpointer = WalCheckpointer(str(path), interval=0.01)
    done = []
    real = checkpointer.checkpoint
    checkpointer.checkpoint = lambda connection: (real(connection), done.append(1))
    checkpointer.start()
    deadline = time.monotonic() + 5
    while "WAL checkpoint failed" not in caplog.text and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not done
    path.rmdir()
    sqlite3.connect(path).execute("PRAGMA journal_mode=wal").fetchone()
    while not done and time.monotonic() < deadline:
        time.sleep(0.01)
    checkpointer.stop()
    assert "WAL checkpoint failed" in caplog.text and done  # it connected again


async def test_the_served_sqlite_connection_leaves_checkpoints_to_the_thread(
    aiohttp_client, tmp_path
):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'a.db'}", demo=True)
    app = create_app(settings, role="web")
    client = await aiohttp_client(app)
    pragma = await app[GATEWAY].run(
        lambda: db.execute_sql("PRAGMA wal_autocheckpoint").fetchone()[0]
    )
    assert pragma == 0
    names = [thread.name for thread in threading.enumerate()]
    assert "clinicbot-wal-checkpoint" in names
    await client.close()
    names = [thread.name for thread in threading.enumerate()]
    assert "clinicbot-wal-checkpoint" not in names


async def test_serving_hides_start_up_objects_from_the_cycle_collector():
    import gc

    from console.app import freeze_startup_objects

    try:
        await freeze_startup_objects(None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
