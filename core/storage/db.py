"""The database handle: one proxy every model binds to, opened from a URL."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from peewee import (
    DatabaseError,
    DatabaseProxy,
    InterfaceError,
    PostgresqlDatabase,
    SqliteDatabase,
)
from playhouse.db_url import connect, parse

from core.storage.postgres import LazyBeginPostgresqlDatabase

log = logging.getLogger(__name__)

db = DatabaseProxy()
# What callers outside core catch when the database itself fails (locked,
# unreachable, closed, a failed commit): the DB-API errors as peewee raises them.
DATABASE_ERRORS = (DatabaseError, InterfaceError)

# WAL lets readers run beside the one writer; the busy timeout makes a second
# writer wait its turn instead of failing with "database is locked".
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "normal",
    "busy_timeout": 15_000,
    "cache_size": -32_000,
}


def open_database(url: str) -> SqliteDatabase | PostgresqlDatabase:
    """Open the database at url and bind the models' proxy to it."""
    if url.startswith("sqlite"):
        database = connect(url, pragmas=SQLITE_PRAGMAS, timeout=15)
    else:
        url = url.replace("postgres://", "postgresql://", 1)
        database = LazyBeginPostgresqlDatabase(**parse(url))
    db.initialize(database)
    log.debug("database %s opened", type(database).__name__)
    return database


def ping() -> None:
    """A round trip to the database; raises DatabaseError if it cannot answer."""
    db.obj.execute_sql("SELECT 1").fetchone()


def is_sqlite() -> bool:
    return isinstance(db.obj, SqliteDatabase)


@contextlib.contextmanager
def write_transaction() -> Iterator[None]:
    """One unit of work that writes.

    On SQLite the write lock is taken up front (BEGIN IMMEDIATE): a deferred
    transaction that reads and then writes can deadlock with another writer,
    and SQLite then fails it at once instead of waiting.
    """
    # db.obj, not the proxy: a proxied atomic() looks up every call through
    # Proxy.__getattr__, a few percent of a short dialog turn.
    database = db.obj
    if database.in_transaction():
        with _savepoint(database):
            yield
    elif is_sqlite():
        with database.atomic("IMMEDIATE"):
            yield
    else:
        with database.atomic():
            yield


@contextlib.contextmanager
def _savepoint(database) -> Iterator[None]:
    """A unit of work inside another (a turn of a group commit): undone alone.

    One name at every depth: SQLite and PostgreSQL both release, or roll
    back to, the newest savepoint of a name. peewee names each savepoint
    with a fresh uuid, so every one was a new statement to compile (and
    pushed a hot one out of sqlite3's statement cache).
    """
    database.execute_sql('SAVEPOINT "unit"')
    try:
        yield
        database.execute_sql('RELEASE SAVEPOINT "unit"')
    except BaseException:
        # Released too, so that an enclosing unit's RELEASE or ROLLBACK TO
        # finds its own savepoint as the newest of the name.
        database.execute_sql('ROLLBACK TO SAVEPOINT "unit"')
        database.execute_sql('RELEASE SAVEPOINT "unit"')
        raise
