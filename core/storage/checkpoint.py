"""SQLite WAL checkpoints on their own thread, off the event loop.

By default SQLite checkpoints inside whichever commit grows the WAL past
1,000 pages, and a checkpoint fsyncs. On the event loop that paused every
request in flight for 5-25 ms (bench/sms_webhook.py). SQLite's documented
remedy: turn automatic checkpoints off on the serving connection and run
them elsewhere. PASSIVE checkpoints never wait for, or block, the writer;
once one has copied the whole WAL back, the next write starts the WAL over,
so it stays about a second of writes long.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

from core.storage.db import db, is_sqlite

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 1.0


class WalCheckpointer:
    """A daemon thread with its own connection, checkpointing every interval."""

    def __init__(self, path: str, interval: float = INTERVAL_SECONDS) -> None:
        self._path = path
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="clinicbot-wal-checkpoint", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop after one last checkpoint, so a clean exit leaves a short WAL."""
        self._stop.set()
        self._thread.join(timeout=10)

    @staticmethod
    def checkpoint(connection: sqlite3.Connection) -> None:
        _, wal_pages, copied = connection.execute(
            "PRAGMA wal_checkpoint(PASSIVE)"
        ).fetchone()
        log.debug("checkpoint: %s of %s WAL pages copied", copied, wal_pages)

    def _run(self) -> None:
        connection: sqlite3.Connection | None = None
        try:
            while not self._stop.wait(self._interval):
                connection = self._checkpoint_logged(connection)
            connection = self._checkpoint_logged(connection)
        finally:
            if connection is not None:
                connection.close()

    def _checkpoint_logged(
        self, connection: sqlite3.Connection | None
    ) -> sqlite3.Connection | None:
        """Checkpoint, connecting first if need be; the connection to use next.

        Never let the thread die, whatever SQLite says (a file it cannot open,
        a connection gone bad): without it the WAL would only grow. After a
        failure the next round opens a fresh connection.
        """
        try:
            if connection is None:
                connection = sqlite3.connect(
                    self._path, timeout=15, check_same_thread=False
                )
            self.checkpoint(connection)
        except sqlite3.Error:
            log.exception("WAL checkpoint failed; retrying in %ss", self._interval)
            if connection is not None:
                connection.close()
            return None
        return connection


def checkpoint_off_this_connection() -> WalCheckpointer | None:
    """On SQLite: stop this thread's connection checkpointing, and start the thread.

    Call on the thread that serves requests (the gateway's); other
    connections, such as CLI commands, keep SQLite's automatic checkpoints.
    """
    if not is_sqlite() or db.obj.database == ":memory:":
        return None
    db.execute_sql("PRAGMA wal_autocheckpoint=0")
    checkpointer = WalCheckpointer(db.obj.database)
    checkpointer.start()
    return checkpointer
